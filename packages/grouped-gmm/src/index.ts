// Public API of @hvcm/grouped-gmm: filled in by its issue.
export {};
