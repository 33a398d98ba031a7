// The usual alternative to Qin, for the side-by-side benchmark: a minimal socket.io 4
// server with @socket.io/redis-adapter doing the same relay as Qin's shopper -> agent path.
//
// A client connects with auth {role: "shopper" | "agent", pair: N}; both sides of pair N
// join the room "conv:N". A shopper's `msg` event is acknowledged (ack = the relay
// counter) and broadcast to the room through the Redis adapter, so the agent on another
// process receives it - like Qin, where the shopper gets `ack` and both parties get the
// `message`. Unlike Qin, nothing is stored (no message log, no seq): this is the cheapest
// honest relay socket.io offers.
//
//   PORT=3001 REDIS_URL=redis://127.0.0.1:6379 node server.js
"use strict";

const { createServer } = require("node:http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

const port = Number(process.env.PORT || 3001);
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";

async function main() {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  // Redis going away (the benchmark kills it at the end) is not worth a stack trace.
  for (const c of [pub, sub]) c.on("error", (err) => console.error(`redis: ${err.message}`));
  await Promise.all([pub.connect(), sub.connect()]);

  const http = createServer();
  const io = new Server(http, {
    transports: ["websocket"],
    serveClient: false,
    perMessageDeflate: false,
    adapter: createAdapter(pub, sub),
  });

  let seq = 0;
  io.on("connection", (socket) => {
    const { role, pair } = socket.handshake.auth || {};
    if (pair === undefined || pair === null) return; // idle sockets: no room
    const room = `conv:${pair}`;
    socket.join(room);
    if (role !== "shopper") return;
    socket.on("msg", (body, ack) => {
      seq += 1;
      io.to(room).emit("msg", body);
      if (typeof ack === "function") ack(seq);
    });
  });

  http.listen(port, "127.0.0.1");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
