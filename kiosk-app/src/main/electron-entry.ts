import { main } from './electron-main.js';

// One clear line and exit 1 on a start-up error (a bad /etc/lophoc-kiosk/kiosk.yaml names the field), so
// systemd's journal says why and its start limit stops a restart loop.
main().catch((error: unknown) => {
  process.stderr.write(`lophoc-kiosk: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
