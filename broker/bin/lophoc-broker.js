#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=25
// The compiled bundle when it is up to date, else the TypeScript sources through tsx (scripts/bin/launch-daemon.js).
import { launchDaemon } from '../../scripts/bin/launch-daemon.js';

await launchDaemon(import.meta.url);
