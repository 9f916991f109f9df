import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AttractScreen } from './AttractScreen.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AttractScreen />
  </StrictMode>,
);
