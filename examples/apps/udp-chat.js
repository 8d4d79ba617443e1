// A chat over UDP: each side binds the same port, sends its lines to the peer one second apart
// (network time) and prints what it receives. No connection, no retransmission: on a lossy link
// (`link h1 s1 set loss 30%`) some lines simply never arrive.
//
//   tinkernet run examples/lan.yml \
//     --app "h1:./examples/apps/udp-chat.js h2 hello,how are you?" \
//     --app "h2:./examples/apps/udp-chat.js h1 hi h1,fine thanks"
//
// Arguments: PEER LINES (lines separated by commas). `host.dgram` is Node's `dgram` module on this
// host; `host.sleep(ms)` waits in network time (Node's own timers run on the wall clock).

const PORT = 5005;

/** @param {import("tinkernet").AppHost} host @param {string[]} args */
export async function main(host, args) {
  const [peer, ...rest] = args;
  const lines = rest.join(" ").split(",").filter(Boolean);
  const socket = host.dgram.createSocket("udp4");
  socket.on("message", (message, from) => {
    console.log(`${from.address}:${from.port} says: ${message.toString()}`);
  });
  await new Promise((resolve) => socket.bind(PORT, resolve));
  for (const line of lines) {
    socket.send(line, PORT, peer);
    await host.sleep(1000);
  }
  await host.sleep(1000); // listen a little longer for the peer's last lines
  socket.close();
}
