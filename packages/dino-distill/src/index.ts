// Public API of @hvcm/dino-distill: filled in by its issue.
export {};
