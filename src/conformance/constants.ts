/**
 * The symbolic constants packetdrill scripts use in system calls, with FreeBSD's values (the
 * suite was written for FreeBSD: `fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)`, FreeBSD's errno
 * numbers in `getsockopt(..., SO_ERROR, [ECONNRESET], ...)`). The runner compares by value, so a
 * script that writes a number where another writes a name still matches.
 */

/** FreeBSD `<sys/errno.h>`. */
export const ERRNO: Readonly<Record<string, number>> = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  EPIPE: 32,
  EAGAIN: 35,
  EWOULDBLOCK: 35,
  EINPROGRESS: 36,
  EALREADY: 37,
  ENOTSOCK: 38,
  EDESTADDRREQ: 39,
  EMSGSIZE: 40,
  EPROTOTYPE: 41,
  ENOPROTOOPT: 42,
  EPROTONOSUPPORT: 43,
  EOPNOTSUPP: 45,
  EAFNOSUPPORT: 47,
  EADDRINUSE: 48,
  EADDRNOTAVAIL: 49,
  ENETDOWN: 50,
  ENETUNREACH: 51,
  ENETRESET: 52,
  ECONNABORTED: 53,
  ECONNRESET: 54,
  ENOBUFS: 55,
  EISCONN: 56,
  ENOTCONN: 57,
  ESHUTDOWN: 58,
  ETIMEDOUT: 60,
  ECONNREFUSED: 61,
  EHOSTDOWN: 64,
  EHOSTUNREACH: 65,
  EPROTO: 92,
};

/** The errno name for a number (the first name listed, so 35 is EAGAIN's twin EWOULDBLOCK's). */
export function errnoName(value: number): string {
  if (value === 0) return "0";
  if (value === ERRNO.EWOULDBLOCK) return "EWOULDBLOCK";
  for (const [name, v] of Object.entries(ERRNO)) if (v === value) return name;
  return String(value);
}

/** Everything else a script may name. */
export const SYMBOLS: Readonly<Record<string, number>> = {
  // <sys/socket.h>
  AF_INET: 2,
  AF_INET6: 28,
  PF_INET: 2,
  PF_INET6: 28,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOL_SOCKET: 0xffff,
  SO_DEBUG: 0x0001,
  SO_ACCEPTCONN: 0x0002,
  SO_REUSEADDR: 0x0004,
  SO_KEEPALIVE: 0x0008,
  SO_DONTROUTE: 0x0010,
  SO_BROADCAST: 0x0020,
  SO_LINGER: 0x0080,
  SO_OOBINLINE: 0x0100,
  SO_REUSEPORT: 0x0200,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  SO_SNDLOWAT: 0x1003,
  SO_RCVLOWAT: 0x1004,
  SO_SNDTIMEO: 0x1005,
  SO_RCVTIMEO: 0x1006,
  SO_ERROR: 0x1007,
  SO_TYPE: 0x1008,
  MSG_OOB: 0x1,
  MSG_PEEK: 0x2,
  MSG_DONTROUTE: 0x4,
  MSG_EOR: 0x8,
  MSG_TRUNC: 0x10,
  MSG_CTRUNC: 0x20,
  MSG_WAITALL: 0x40,
  MSG_DONTWAIT: 0x80,
  MSG_EOF: 0x100,
  MSG_NOSIGNAL: 0x20000,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  // <netinet/in.h>
  IPPROTO_IP: 0,
  IPPROTO_ICMP: 1,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  IPPROTO_IPV6: 41,
  IP_TOS: 3,
  IP_TTL: 4,
  IPV6_UNICAST_HOPS: 4,
  IPV6_TCLASS: 61,
  // <netinet/ip.h>: DSCP class selectors in the TOS byte (RFC 2474).
  IPTOS_DSCP_CS0: 0x00,
  IPTOS_DSCP_CS1: 0x20,
  IPTOS_DSCP_CS2: 0x40,
  IPTOS_DSCP_CS3: 0x60,
  IPTOS_DSCP_CS4: 0x80,
  IPTOS_DSCP_CS5: 0xa0,
  IPTOS_DSCP_CS6: 0xc0,
  IPTOS_DSCP_CS7: 0xe0,
  // <netinet/tcp.h>
  TCP_NODELAY: 0x01,
  TCP_MAXSEG: 0x02,
  TCP_NOPUSH: 0x04,
  TCP_NOOPT: 0x08,
  TCP_MD5SIG: 0x10,
  TCP_INFO: 0x20,
  TCP_KEEPINIT: 0x80,
  TCP_KEEPIDLE: 0x100,
  TCP_KEEPINTVL: 0x200,
  TCP_KEEPCNT: 0x400,
  TCP_MAXRXTSHIFT: 0x25,
  TCP_RACK_PACE_MAX_SEG: 0x1065,
  TCP_RACK_PACE_RATE_SS: 0x1066,
  TCP_RACK_PACE_ALWAYS: 0x1067,
  TCP_CONGESTION: 0x40,
  // <fcntl.h>
  F_GETFL: 3,
  F_SETFL: 4,
  O_RDONLY: 0x0000,
  O_WRONLY: 0x0001,
  O_RDWR: 0x0002,
  O_NONBLOCK: 0x0004,
  // tcp_info (FreeBSD <netinet/tcp.h>)
  TCPI_OPT_TIMESTAMPS: 0x01,
  TCPI_OPT_SACK: 0x02,
  TCPI_OPT_WSCALE: 0x04,
  TCPI_OPT_ECN: 0x08,
  TCPI_OPT_TOE: 0x10,
  TCPI_OPT_TFO: 0x20,
};

/** FreeBSD's `tcpi_state` values (the TCPS_* numbering of `<netinet/tcp_fsm.h>`). */
export const TCPI_STATES: Readonly<Record<string, number>> = {
  TCPI_CLOSED: 0,
  TCPI_LISTEN: 1,
  TCPI_SYN_SENT: 2,
  TCPI_SYN_RECEIVED: 3,
  TCPI_ESTABLISHED: 4,
  TCPI_CLOSE_WAIT: 5,
  TCPI_FIN_WAIT_1: 6,
  TCPI_CLOSING: 7,
  TCPI_LAST_ACK: 8,
  TCPI_FIN_WAIT_2: 9,
  TCPI_TIME_WAIT: 10,
};

/** The value of a name a script uses, or undefined. */
export function symbolValue(name: string): number | undefined {
  return ERRNO[name] ?? SYMBOLS[name] ?? TCPI_STATES[name];
}
