// The entry of a V8 start-up snapshot (`node --snapshot-blob aim.blob --build-snapshot aim-snapshot.cjs`):
// the builder runs every module's top level once and keeps the heap; `node --snapshot-blob aim.blob
// <command>` then starts from that heap and runs `start`, which reads argv, the environment and the
// streams of its own run. The blob belongs to the one Node binary that built it (the image builds it).
import { startupSnapshot } from "node:v8"
import { start } from "./main.js"

startupSnapshot.setDeserializeMainFunction(start)
