// Runs the lamarck CLI from source in a child process (the crash-and-resume test kills it with SIGKILL).
import { main } from '../../../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
