// Public API of @hvcm/datasets: filled in by its issue.
export {};
