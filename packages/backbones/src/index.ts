// Public API of @hvcm/backbones: filled in by its issue.
export {};
