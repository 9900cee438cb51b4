import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { AppProvider } from './app-context.js';
import { createBridge } from './bridge.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

createRoot(root).render(
  <StrictMode>
    <AppProvider bridge={createBridge()}>
      <App />
    </AppProvider>
  </StrictMode>,
);
