#!/usr/bin/env node
// Runs the TypeScript sources directly (through tsx), so a checkout needs no build step.
import { register } from 'tsx/esm/api';

// Tanu's settings and the signing key's password come from the environment. The loader
// (tsx, and the esbuild processes it starts) needs none of that: Tanu keeps the whole
// environment to itself, and this process's own is cut down to what programs need to run,
// before the loader or any child process starts. A PKCS#11 library reads its own settings
// from the process's environment when it is initialised (SoftHSM2's SOFTHSM2_CONF).
const env = { ...process.env };
const NEEDED = /^(PATH|HOME|USER|LOGNAME|SHELL|TMPDIR|TMP|TEMP|LANG|LANGUAGE|LC_\w+|TZ|TERM|NO_COLOR|FORCE_COLOR|CI|XDG_\w+|FONTCONFIG_\w+|NODE_\w+|ESBUILD_\w+|TSX_\w+|SOFTHSM2_CONF)$/;
for (const name of Object.keys(process.env)) if (!NEEDED.test(name)) delete process.env[name];

register();
const { main } = await import('../pipeline/cli/main.ts');
const { terminalIo } = await import('../pipeline/cli/context.ts');
process.exitCode = await main(process.argv.slice(2), terminalIo(env));
