#!/usr/bin/env node
// The compiled bundle when it is up to date, else the TypeScript sources through tsx (scripts/bin/launch-daemon.js).
import { launchDaemon } from '../../scripts/bin/launch-daemon.js';

// A gateway's heap is small and steady: keeping the young generation at its initial size (V8 otherwise grows it
// to 2 × 16 MiB during start-up and keeps it) saves about 14 MiB of resident memory for more, cheap, scavenges
// under load (docs/BENCHMARKS.md, "Devices"). Only the growth factor can still be changed once Node is running.
await launchDaemon(import.meta.url, { v8Flags: ['--semi-space-growth-factor=1'] });
