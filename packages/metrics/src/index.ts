// Public API of @hvcm/metrics: filled in by its issue.
export {};
