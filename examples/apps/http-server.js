// An HTTP server written against Node's `http` module, running on an emulated host: Node's own
// HTTP parser and response writer, our TCP underneath.
//
//   tinkernet run examples/lan.yml --app h2:./examples/apps/http-server.js \
//     --exec "h1 curl -s h2:8080/hello; h1 curl -s -d 'name=ada' h2:8080/greet"
//
// `host.http.createServer` returns a real `http.Server`; its `listen` opens the port on the
// emulated host.

/** @param {import("tinkernet").AppHost} host @param {string[]} args */
export function main(host, args) {
  const port = Number(args[0] ?? 8080);
  const server = host.http.createServer((request, response) => {
    console.log(`${request.socket.remoteAddress} ${request.method} ${request.url}`);
    if (request.method === "GET" && request.url === "/hello") {
      response.writeHead(200, { "Content-Type": "text/plain" });
      response.end(`hello from ${host.name} at ${host.now().toFixed(3)} ms of network time\n`);
      return;
    }
    if (request.method === "POST" && request.url === "/greet") {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        const name = new URLSearchParams(body).get("name") ?? "stranger";
        response.writeHead(200, { "Content-Type": "text/plain" });
        response.end(`welcome, ${name}\n`);
      });
      return;
    }
    response.writeHead(404, { "Content-Type": "text/plain" });
    response.end("not found\n");
  });
  server.listen(port, () => console.log(`http server on ${host.address}:${port}`));
}
