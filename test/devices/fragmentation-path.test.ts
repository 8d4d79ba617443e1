import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Network } from "../../src/devices/network.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";

/**
 * Property: over a chain of routers whose links have arbitrary MTUs (fragments get fragmented
 * again on narrower links), a UDP datagram of any size arrives intact, once.
 */
test("property: datagrams cross chains of random MTUs intact (fragments of fragments)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 68, max: 1500 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 9000 }),
      fc.integer({ min: 1, max: 1000 }),
      (mtus, size, seed) => {
        const net = new Network({ seed });
        const h1 = net.addHost("h1");
        const h2 = net.addHost("h2");
        const routers = mtus.map((_, i) => net.addRouter(`r${i}`));
        // h1 —(1500)— r0 —(mtus[1])— r1 ... —(mtus[0])— h2: the last link uses mtus[0].
        net.connect("h1:eth0", "r0:eth0");
        h1.addAddress("eth0", "10.0.0.2/24");
        h1.setGateway("10.0.0.1");
        routers.forEach((r, i) => {
          r.addAddress("eth0", i === 0 ? "10.0.0.1/24" : `10.0.${i}.2/24`);
          r.addAddress("eth1", `10.0.${i + 1}.1/24`);
          const mtu = mtus[(i + 1) % mtus.length];
          r.interface("eth1").mtuOverride = mtu;
          if (i + 1 < routers.length) {
            net.connect(`r${i}:eth1`, `r${i + 1}:eth0`, { mtu });
            routers[i + 1].interface("eth0").mtuOverride = mtu;
            r.addRoute("10.0.99.0/24", `10.0.${i + 1}.2`);
          } else {
            net.connect(`r${i}:eth1`, "h2:eth0", { mtu });
            h2.interface("eth0").mtuOverride = mtu;
          }
          if (i > 0) r.addRoute("10.0.0.0/24", `10.0.${i}.1`);
        });
        h2.addAddress("eth0", `10.0.${routers.length}.2/24`);
        h2.setGateway(`10.0.${routers.length}.1`);
        routers[routers.length - 1].addRoute("10.0.99.0/24", `10.0.${routers.length}.2`);
        h2.addAddress("eth0", "10.0.99.9/24");
        // Resolve ARP along the path first (the ARP queue holds only 3 packets).
        const warm = h1.udp.createSocket();
        warm.sendTo(new Uint8Array(1), 9, Ipv4Address.parse("10.0.99.9"));
        net.runFor(5e9);
        const server = h2.udp.createSocket();
        server.bind(9);
        const got: Uint8Array[] = [];
        server.onMessage = (m) => got.push(m.data);
        const data = new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff);
        assert.equal(h1.udp.createSocket().sendTo(data, 9, Ipv4Address.parse("10.0.99.9")), undefined);
        net.runFor(5e9);
        assert.equal(got.length, 1);
        assert.deepEqual(got[0], data);
      },
    ),
    { numRuns: 40 },
  );
});
