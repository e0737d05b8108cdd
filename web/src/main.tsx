import { render } from 'preact';
import { App } from './app';
import { initI18n } from './i18n';
import './style.css';

void initI18n().then(() => render(<App />, document.getElementById('app')!));
