/*
 * tun-reflector: the benchmark's C anchor. Opens a TUN device the way native/tun.cc does
 * (IFF_TUN | IFF_NO_PI; with an offload mask, IFF_VNET_HDR and TUNSETOFFLOAD, falling back to
 * fewer flags, then none), sets its MTU and brings it up, prints one line
 * `ready NAME OFFLOADS` (the TUN_F_* mask accepted, in decimal), then writes every packet it
 * reads back unchanged (with its virtio header when there is one) until killed. It does no
 * work on the packets: what a data plane costs above it is the data plane's own.
 *
 * Usage: tun-reflector NAME MTU OFFLOADS
 * Exit status: 2 wrong usage; 3 the device could not be opened or set up (one line on stderr
 * naming the step and the errno); 1 a read or write failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

static int fail(const char *name, const char *step, int err) {
  fprintf(stderr, "tun-reflector: %s: %s: %s\n", name, step, strerror(err));
  return 3;
}

static void set_name(struct ifreq *ifr, const char *name) {
  memset(ifr, 0, sizeof *ifr);
  size_t n = strnlen(name, IFNAMSIZ - 1);
  memcpy(ifr->ifr_name, name, n);
}

/* Opens /dev/net/tun on NAME with FLAGS; the fd, or -1 with errno set and *step named. */
static int attach(const char *name, short flags, char *actual, const char **step) {
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *step = "open /dev/net/tun";
    return -1;
  }
  struct ifreq ifr;
  set_name(&ifr, name);
  ifr.ifr_flags = flags;
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    errno = err;
    *step = "TUNSETIFF";
    return -1;
  }
  memcpy(actual, ifr.ifr_name, IFNAMSIZ);
  actual[IFNAMSIZ - 1] = '\0';
  return fd;
}

int main(int argc, char **argv) {
  if (argc != 4 || strlen(argv[1]) == 0 || strlen(argv[1]) >= IFNAMSIZ) {
    fprintf(stderr, "usage: tun-reflector NAME MTU OFFLOADS\n");
    return 2;
  }
  const char *name = argv[1];
  int mtu = atoi(argv[2]);
  unsigned want = (unsigned)strtoul(argv[3], NULL, 0);
  char actual[IFNAMSIZ];
  const char *step = "";
  unsigned accepted = 0;
  int fd = -1;
  if (want != 0) {
    fd = attach(name, IFF_TUN | IFF_NO_PI | IFF_VNET_HDR, actual, &step);
    if (fd < 0) return fail(name, step, errno);
    unsigned tries[3] = {want, want & ~(unsigned)(TUN_F_USO4 | TUN_F_USO6), want & TUN_F_CSUM};
    for (int i = 0; i < 3 && accepted == 0; i++) {
      if (tries[i] != 0 && ioctl(fd, TUNSETOFFLOAD, (unsigned long)tries[i]) == 0) accepted = tries[i];
    }
    if (accepted == 0) {
      close(fd);
      fd = -1;
    }
  }
  if (fd < 0) {
    fd = attach(name, IFF_TUN | IFF_NO_PI, actual, &step);
    if (fd < 0) return fail(name, step, errno);
  }
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail(actual, "socket", errno);
  struct ifreq ifr;
  set_name(&ifr, actual);
  ifr.ifr_mtu = mtu;
  if (ioctl(s, SIOCSIFMTU, &ifr) < 0) return fail(actual, "SIOCSIFMTU", errno);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return fail(actual, "SIOCGIFFLAGS", errno);
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) return fail(actual, "SIOCSIFFLAGS", errno);
  close(s);
  printf("ready %s %u\n", actual, accepted);
  fflush(stdout);

  /* A 10-byte virtio header and a 64 KiB super-packet at most. */
  static unsigned char buf[10 + 65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "tun-reflector: %s: read: %s\n", actual, strerror(errno));
      return 1;
    }
    /* A packet the kernel refuses back (EINVAL) is dropped, like any data plane would. */
    if (write(fd, buf, (size_t)n) < 0 && errno != EINVAL) {
      fprintf(stderr, "tun-reflector: %s: write: %s\n", actual, strerror(errno));
      return 1;
    }
  }
}
