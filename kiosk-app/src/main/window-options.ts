/**
 * BrowserWindow options per Electron's security checklist: isolated, sandboxed preload, no Node in the page,
 * no devtools, no remote content features, kiosk fullscreen without a frame.
 */
export interface KioskWebPreferences {
  preload: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  experimentalFeatures: false;
  webviewTag: false;
  devTools: false;
  navigateOnDragDrop: false;
  spellcheck: false;
  backgroundThrottling: false;
}

export interface KioskWindowOptions {
  kiosk: true;
  fullscreen: true;
  frame: false;
  autoHideMenuBar: true;
  show: false;
  backgroundColor: string;
  webPreferences: KioskWebPreferences;
}

export function kioskWindowOptions(preloadPath: string): KioskWindowOptions {
  return {
    kiosk: true,
    fullscreen: true,
    frame: false,
    autoHideMenuBar: true,
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      devTools: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // The attract screen animates while nobody touches the kiosk; it must not be throttled.
      backgroundThrottling: false,
    },
  };
}
