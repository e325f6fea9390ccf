// Public API of @hvcm/ood-scores: filled in by its issue.
export {};
