// Types of readme-examples.mjs, for the TypeScript callers (the e2e suite).
export interface ExampleAnnotation {
  readonly kind: 'node' | 'server' | 'browser' | 'shell' | 'none';
  readonly [field: string]: string | undefined;
}

export interface Example {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  readonly name: string;
  readonly annotation: ExampleAnnotation;
}

export const RUNNABLE_LANGUAGES: ReadonlySet<string>;
export const EXAMPLE_PORT: number;
export function parseAnnotation(text: string): ExampleAnnotation;
export function examplesOf(file: string, markdown: string): { examples: Example[]; problems: string[] };
export function expectations(annotation: ExampleAnnotation): string[];
export function withPort(code: string, port: number): string;
