// Types of readme-files.mjs, for the TypeScript callers (the e2e suite).
export function readmeFiles(root: string): string[];
