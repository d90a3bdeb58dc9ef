/**
 * `node bench/subscribers.ts <port> <n>`: n connections SUBSCRIBEd to bench:channel that read and drop
 * every message, in a process of their own (redis-benchmark runs synchronously in bench/run.ts, whose
 * event loop could not read meanwhile). Prints "ready" once every connection is subscribed.
 */
import * as Net from "node:net"

const [port, n] = process.argv.slice(2).map(Number) as [number, number]
const subscribe = "*2\r\n$9\r\nSUBSCRIBE\r\n$13\r\nbench:channel\r\n"
let ready = 0
for (let i = 0; i < n; i++) {
  const socket = Net.connect(port, "127.0.0.1", () => socket.write(subscribe))
  socket.once("data", () => {
    if (++ready === n) process.stdout.write("ready\n")
  })
  socket.on("data", () => {})
  socket.on("error", () => process.exit(1))
}
