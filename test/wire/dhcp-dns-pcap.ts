/**
 * Wraps application payloads (DHCP, DNS) in Ethernet/IPv4/UDP with this project's emitters and
 * writes them as a classic pcap, so tshark can judge the application bytes we emit.
 */
import { PcapWriter } from "../../src/trace/pcap.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import { EtherType, emitEthernet } from "../../src/wire/ethernet.js";
import { emitIpv4, IpProtocol } from "../../src/wire/ipv4.js";
import { emitUdp } from "../../src/wire/udp.js";

export interface UdpPayload {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  src?: string;
  dst?: string;
}

/** A pcap (LINKTYPE_ETHERNET) with one frame per payload, checksums filled in. */
export function pcapWithUdp(payloads: UdpPayload[]): Uint8Array {
  const writer = new PcapWriter({ linkType: 1 });
  payloads.forEach((p, index) => {
    const src = Ipv4Address.parse(p.src ?? "192.0.2.1");
    const dst = Ipv4Address.parse(p.dst ?? "192.0.2.2");
    const udp = new Uint8Array(8 + p.payload.length);
    emitUdp({ srcPort: p.srcPort, dstPort: p.dstPort, payload: p.payload }, udp, { src, dst });
    const ip = new Uint8Array(20 + udp.length);
    emitIpv4(
      {
        dscp: 0,
        ecn: 0,
        identification: index,
        reservedFlag: false,
        dontFragment: false,
        moreFragments: false,
        fragmentOffset: 0,
        ttl: 64,
        protocol: IpProtocol.UDP,
        src,
        dst,
        options: [],
        payload: udp,
      },
      ip,
    );
    const frame = new Uint8Array(14 + ip.length);
    emitEthernet(
      {
        dst: MacAddress.parse("02:00:00:00:00:02"),
        src: MacAddress.parse("02:00:00:00:00:01"),
        ethertype: EtherType.IPv4,
        payload: ip,
      },
      frame,
    );
    writer.writePacket(BigInt(index) * 1_000_000n, frame);
  });
  return writer.toBytes();
}
