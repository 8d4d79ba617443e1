/**
 * Opening a connection (RFC 9293 §3.5; §3.10.1 OPEN, §3.10.7.2 LISTEN): active and passive
 * opens, the SYN and SYN-ACK and the options they negotiate — MSS (RFC 9293 §3.7.1), window
 * scaling and timestamps (RFC 7323), SACK-permitted (RFC 2018) — and connections rebuilt from a
 * SYN cookie.
 */

import { synOptions, type TcpRepr } from "../../wire/tcp.js";
import { createCongestionControl } from "./congestion/index.js";
import { defaultMss, type SynOffer, windowScaleFor } from "./options.js";
import { ReceiveSide } from "./receive.js";
import { ACK, SYN, TIMESTAMP_OPTION_BYTES } from "./tcb.js";

export abstract class Handshake extends ReceiveSide {
  protected chooseOurOptions(): void {
    const config = this.layer.config;
    this.advMss = this.pathMss();
    this.rcvWscale = !config.windowScaling
      ? 0
      : this.autotuneReceive
        ? this.layer.defaultWindowScale
        : windowScaleFor(this.receiveBufferSize);
    this.tsOffset = this.layer.timestampOffset(this.connection);
    // Echoes are compared with this in sequence space: start at our first TSval, not at 0.
    this.lastRetransmitTs = this.tsNow();
  }

  /**
   * @internal RFC 9293 §3.10.1 active OPEN: choose an ISS, send SYN, enter SYN-SENT. When the
   * 4-tuple was taken over from TIME-WAIT, `issAbove` is where the old connection's sequence
   * numbers ended and the ISS is put safely beyond it.
   */
  openActive(issAbove?: number): void {
    const layer = this.layer;
    this.iss =
      issAbove !== undefined ? (issAbove + 65537) >>> 0 : layer.initialSequenceNumber(this.connection);
    this.chooseOurOptions();
    this.sndUna = -1;
    this.sndNxt = 0;
    this.rcvAdv = 0;
    layer.counters.ActiveOpens++;
    this.setState("SYN-SENT");
    this.sendSyn(false);
  }

  /** @internal A SYN arrived at a listener with room in its queue: enter SYN-RECEIVED (§3.10.7.2). */
  openPassive(seg: TcpRepr, offer: SynOffer): void {
    const layer = this.layer;
    this.chooseOurOptions();
    this.acceptSynOffer(seg, offer);
    this.iss = layer.initialSequenceNumber(this.connection);
    this.sndUna = -1;
    this.sndNxt = 0;
    layer.counters.PassiveOpens++;
    this.setState("SYN-RECEIVED");
    // Text in the SYN is not kept (as FreeBSD's syncache and Linux do without TCP Fast Open):
    // the SYN,ACK acknowledges only the SYN, the peer sends it again, and a flood of SYNs with
    // data costs no memory.
    this.sendSyn(false);
  }

  /**
   * RFC 9293 §3.10.7.3: in a simultaneous open, text carried by the peer's SYN is "queued for
   * processing after the ESTABLISHED state has been reached": it is kept aside (our SYN,ACK
   * acknowledges only the SYN, as FreeBSD's does) and processed then.
   */
  protected queueSynText(seg: TcpRepr): void {
    const window = Math.min(0xffff, this.receiveBufferSize);
    const data = seg.payload.length > window ? seg.payload.subarray(0, window) : seg.payload;
    this.synText = data.length > 0 ? data.slice() : null;
  }

  /** The queued text of a simultaneous open's SYN, processed on entering ESTABLISHED. */
  protected processSynText(): void {
    const text = this.synText;
    this.synText = null;
    if (text) this.receiveText(0, text);
  }

  /**
   * @internal A valid SYN cookie came back (./syncookies.ts): the handshake completed without
   * state, so the connection is rebuilt from the ACK and what the cookie encoded.
   */
  openFromCookie(seg: TcpRepr, mss: number, wscale: number | undefined, sack: boolean, tsOk: boolean): void {
    const layer = this.layer;
    this.chooseOurOptions();
    this.fromCookie = true;
    this.irs = (seg.seq - 1) >>> 0;
    this.iss = (seg.ack - 1) >>> 0;
    this.rcvNxt = 0;
    this.sndUna = -1;
    this.sndNxt = 0;
    this.peerMss = mss;
    this.sackOk = sack && layer.config.sack;
    this.wsOk = wscale !== undefined && layer.config.windowScaling;
    if (this.wsOk) this.sndWscale = wscale!;
    else this.rcvWscale = 0;
    this.tsOk = tsOk && layer.config.timestamps;
    this.updateMss();
    // The SYN-ACK advertised min(buffer, 65535) unscaled (RFC 7323 §2.2).
    this.rcvAdv = Math.min(0xffff, this.receiveBufferSize);
    this.lastAckSent = 0;
    layer.counters.PassiveOpens++;
    this.setState("SYN-RECEIVED");
    this.synchronizedArrives(seg);
    this.flush();
  }

  /** Takes the peer's SYN: IRS, RCV.NXT, its window and options (RFC 9293 §3.10.7.2 / .3). */
  protected acceptSynOffer(seg: TcpRepr, offer: SynOffer): void {
    const config = this.layer.config;
    this.irs = seg.seq;
    this.rcvNxt = 0;
    this.lastAckSent = 0;
    this.peerMss = offer.mss ?? defaultMss(this.ipVersion());
    // RFC 7323 §2.2: window scaling is on only when both SYNs carry the option.
    this.wsOk = config.windowScaling && offer.windowScale !== undefined;
    if (this.wsOk) this.sndWscale = offer.windowScale!;
    else {
      this.sndWscale = 0;
      this.rcvWscale = 0;
    }
    this.sackOk = config.sack && offer.sackPermitted;
    // RFC 7323 §3.2: timestamps only when the SYN carried them (and, actively, the SYN-ACK too).
    this.tsOk = config.timestamps && offer.tsVal !== undefined;
    if (this.tsOk) {
      this.tsRecent = offer.tsVal!;
      this.tsRecentStamp = this.layer.scheduler.now;
    }
    // RFC 7323 §2.2: the window in a SYN is never scaled.
    this.sndWnd = seg.window;
    this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
    this.sndWl1 = seg.seq;
    this.sndWl2 = seg.ack;
    this.updateMss();
  }

  /** Eff.snd.MSS (RFC 9293 §3.7.1): min(peer's MSS, path) less the options every segment carries. */
  protected updateMss(): void {
    const mss = Math.min(this.peerMss, this.pathMss()) - (this.tsOk ? TIMESTAMP_OPTION_BYTES : 0);
    this.mss = Math.max(mss, 1);
    // RFC 6928's initial window depends on the MSS: start the module afresh if nothing was sent.
    if (this.sndNxt <= 0) this.cc = createCongestionControl(this.ccName, this.mss);
    else this.cc.mss = this.mss;
  }

  /** Sends (or resends) our SYN, or SYN-ACK in SYN-RECEIVED. */
  protected override sendSyn(retransmission: boolean): void {
    const layer = this.layer;
    const config = layer.config;
    const synAck = this._state === "SYN-RECEIVED";
    const flags = synAck ? SYN | ACK : SYN;
    const offerTs = synAck ? this.tsOk : config.timestamps;
    const options = synOptions({
      mss: this.advMss,
      windowScale: (synAck ? this.wsOk : config.windowScaling) ? this.rcvWscale : undefined,
      sackPermitted: synAck ? this.sackOk : config.sack,
      timestamps: offerTs ? { value: this.tsNow(), echo: synAck ? this.tsRecent : 0 } : undefined,
    });
    // RFC 7323 §2.2: the SYN and SYN-ACK windows are not scaled.
    const window = Math.min(0xffff, this.receiveBufferSize);
    if (this.rcvAdv < this.rcvNxt + window) this.rcvAdv = this.rcvNxt + window;
    if (!retransmission) {
      this.rttTiming = true;
      this.rttOffset = 0;
      this.rttStart = layer.scheduler.now;
    } else this.rttTiming = false;
    this.emitSegment(this.iss, flags, window, options, 0, 0, retransmission);
    this.rtxTimer.armIn(this.rtt.rto);
  }
}
