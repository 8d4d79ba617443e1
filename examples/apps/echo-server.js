// A TCP echo server (RFC 862's service) on an emulated host, written against Node's `net` API.
//
//   tinkernet run examples/lan.yml --app "h2:./examples/apps/echo-server.js 7" \
//                                  --app "h1:./examples/apps/echo-client.js h2 7 hello there"
//
// `host.net` is this host's `net` module: createServer, connect and Socket behave as Node's do,
// but the bytes cross the emulated network (ARP, IP, TCP and all). console.log lines are
// prefixed with the host's name.

/** @param {import("tinkernet").AppHost} host @param {string[]} args */
export function main(host, args) {
  const port = Number(args[0] ?? 7);
  const server = host.net.createServer((socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    console.log(`connection from ${peer}`);
    socket.on("data", (data) => {
      console.log(`echoing ${data.length} bytes to ${peer}`);
      socket.write(data);
    });
    socket.on("end", () => socket.end()); // the client is done: close our side too
  });
  server.listen(port, () => console.log(`echo server listening on ${host.address} port ${port}`));
}
