// Opening the devices the addon reads and writes (tun.cc): a TUN interface (/dev/net/tun,
// TUNSETIFF), its MTU and IFF_UP, and the AF_PACKET observation socket with its classic BPF
// filter attached before it is bound. Plain Linux system calls, no N-API: each returns 0, a
// descriptor, or an errno (negated where a descriptor is the answer), naming the step that
// failed, and tun.cc turns that into the JavaScript error.
#pragma once

#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

/** Copies an interface name (checked shorter than IFNAMSIZ) into ifr_name, NUL-terminated. */
void CopyName(char* dst, const char* name) {
  size_t n = strnlen(name, IFNAMSIZ - 1);
  memcpy(dst, name, n);
  dst[n] = '\0';
}

/** Sets the MTU and IFF_UP through an ordinary socket; returns 0 or the errno, naming the step. */
int ConfigureLink(const char* name, int mtu, const char** step) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    *step = "socket";
    return errno;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  CopyName(ifr.ifr_name, name);
  int err = 0;
  ifr.ifr_mtu = mtu;
  if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
    *step = "SIOCSIFMTU";
    err = errno;
  } else if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
    *step = "SIOCGIFFLAGS";
    err = errno;
  } else {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
      *step = "SIOCSIFFLAGS";
      err = errno;
    }
  }
  close(s);
  return err;
}

/** Opens /dev/net/tun and attaches it to interface `name`; returns the fd or -errno. */
int Attach(const char* name, short flags, char* actual, const char** step) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *step = "open /dev/net/tun";
    return -errno;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  CopyName(ifr.ifr_name, name);
  ifr.ifr_flags = flags;
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    *step = "TUNSETIFF";
    return -err;
  }
  memcpy(actual, ifr.ifr_name, IFNAMSIZ);
  actual[IFNAMSIZ - 1] = '\0';
  return fd;
}

/**
 * Opens an AF_PACKET socket bound to interface `name` with the classic BPF program `words`
 * (four numbers per instruction: code, jt, jf, k; `count` instructions, 1 … BPF_MAXINSNS)
 * attached first; returns the fd or -errno, naming the step.
 */
int OpenTap(const char* name, const uint32_t* words, unsigned short count, const char** step) {
  struct sock_filter insns[BPF_MAXINSNS];
  for (unsigned i = 0; i < count; i++) {
    insns[i].code = (uint16_t)words[4 * i];
    insns[i].jt = (uint8_t)words[4 * i + 1];
    insns[i].jf = (uint8_t)words[4 * i + 2];
    insns[i].k = words[4 * i + 3];
  }
  // Protocol 0: the socket receives nothing until it is bound, after the filter is attached.
  int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *step = "socket AF_PACKET";
    return -errno;
  }
  struct sock_fprog prog;
  prog.len = count;
  prog.filter = insns;
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) {
    int err = errno;
    close(fd);
    *step = "SO_ATTACH_FILTER";
    return -err;
  }
  unsigned index = if_nametoindex(name);
  if (index == 0) {
    int err = errno;
    close(fd);
    *step = "if_nametoindex";
    return -err;
  }
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = (int)index;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&sll), sizeof sll) < 0) {
    int err = errno;
    close(fd);
    *step = "bind";
    return -err;
  }
  return fd;
}

}  // namespace
