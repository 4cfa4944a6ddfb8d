/**
 * Everything React: the one copy of react, ink and @inkjs/ui that the shell
 * and every plugin share, and the interactive UI. Loaded on demand.
 */
import * as inkUi from '@inkjs/ui';
import * as ink from 'ink';
import * as React from 'react';
import * as jsxRuntime from 'react/jsx-runtime';
import { stripAnsi } from '../render/render.ts';

export { ink, inkUi, jsxRuntime, React };

class Boundary extends React.Component<{ children: React.ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: undefined };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  override render() {
    if (this.state.error !== undefined) throw this.state.error;
    return this.props.children;
  }
}

/** Render an element once to text (outside the interactive shell). Throws what the element throws. */
export function renderToString(element: unknown, options: { color: boolean; columns: number }): string {
  const text = ink.renderToString(<Boundary>{element as React.ReactNode}</Boundary>, { columns: options.columns });
  const lines = (options.color ? text : stripAnsi(text)).split('\n').map((l) => l.trimEnd());
  return lines.join('\n').replace(/\n+$/, '');
}

export { runInteractive } from './app.tsx';
