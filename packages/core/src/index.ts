// Public API of @hvcm/core: filled in by its issue.
export {};
