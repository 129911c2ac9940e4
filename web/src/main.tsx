import { render } from 'preact';
import { App } from './app.tsx';
import { initTheme } from './theme.ts';
import './styles.css';

initTheme();
const container = document.getElementById('app')!;
// The static "Loading…" placeholder is not Preact's to diff against: clear it first.
container.replaceChildren();
render(<App />, container);
