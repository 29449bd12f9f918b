/*
 * tun-reflector: the benchmark's C anchor. Opens a TUN device the way native/tun.cc does
 * (IFF_TUN | IFF_NO_PI; with an offload mask, IFF_VNET_HDR and TUNSETOFFLOAD, falling back to
 * fewer flags, then none), sets its MTU and brings it up, prints one line
 * `ready NAME OFFLOADS` (the TUN_F_* mask accepted, in decimal), then writes every packet it
 * reads back unchanged (with its virtio header when there is one) until killed. It does no
 * work on the packets: what a data plane costs above it is the data plane's own.
 *
 * With several devices (NAME,NAME…: one per gateway interface, as `portcullis run` opens them)
 * one thread serves them all as the gateway's event loop does: poll(2) for readiness, then
 * read each ready device until EAGAIN, writing every packet back to the device it came from.
 * The line printed is then `ready NAME,NAME… OFFLOADS`.
 *
 * Usage: tun-reflector NAME[,NAME…] MTU OFFLOADS
 * Exit status: 2 wrong usage; 3 the device could not be opened or set up (one line on stderr
 * naming the step and the errno); 1 a read or write failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
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

/* Opens NAME as asked (the offloads the kernel accepts of WANT), sets MTU and brings it up. The fd,
 * or -1 after one line on stderr; *accepted gets the TUN_F_* mask accepted, actual the name. */
static int open_one(const char *name, int mtu, unsigned want, unsigned *accepted, char *actual) {
  const char *step = "";
  int fd = -1;
  *accepted = 0;
  if (want != 0) {
    fd = attach(name, IFF_TUN | IFF_NO_PI | IFF_VNET_HDR, actual, &step);
    if (fd < 0) return fail(name, step, errno), -1;
    unsigned tries[3] = {want, want & ~(unsigned)(TUN_F_USO4 | TUN_F_USO6), want & TUN_F_CSUM};
    for (int i = 0; i < 3 && *accepted == 0; i++) {
      if (tries[i] != 0 && ioctl(fd, TUNSETOFFLOAD, (unsigned long)tries[i]) == 0) *accepted = tries[i];
    }
    if (*accepted == 0) {
      close(fd);
      fd = -1;
    }
  }
  if (fd < 0) {
    fd = attach(name, IFF_TUN | IFF_NO_PI, actual, &step);
    if (fd < 0) return fail(name, step, errno), -1;
  }
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail(actual, "socket", errno), -1;
  struct ifreq ifr;
  set_name(&ifr, actual);
  ifr.ifr_mtu = mtu;
  if (ioctl(s, SIOCSIFMTU, &ifr) < 0) return fail(actual, "SIOCSIFMTU", errno), -1;
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return fail(actual, "SIOCGIFFLAGS", errno), -1;
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) return fail(actual, "SIOCSIFFLAGS", errno), -1;
  close(s);
  return fd;
}

#define MAX_DEVICES 16

/* A 10-byte virtio header and a 64 KiB super-packet at most. */
static unsigned char buf[10 + 65536];

/* Writes back what was read; 0, or 1 after a line on stderr. A packet the kernel refuses back
 * (EINVAL) is dropped, like any data plane would. */
static int reflect(int fd, const char *name, ssize_t n) {
  if (write(fd, buf, (size_t)n) < 0 && errno != EINVAL) {
    fprintf(stderr, "tun-reflector: %s: write: %s\n", name, strerror(errno));
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4 || strlen(argv[1]) == 0) {
    fprintf(stderr, "usage: tun-reflector NAME[,NAME...] MTU OFFLOADS\n");
    return 2;
  }
  int mtu = atoi(argv[2]);
  unsigned want = (unsigned)strtoul(argv[3], NULL, 0);
  char names[MAX_DEVICES][IFNAMSIZ];
  struct pollfd fds[MAX_DEVICES];
  int count = 0;
  unsigned accepted = 0;
  char list[MAX_DEVICES * IFNAMSIZ];
  list[0] = '\0';
  for (char *save = NULL, *name = strtok_r(argv[1], ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
    if (count == MAX_DEVICES || strlen(name) >= IFNAMSIZ) {
      fprintf(stderr, "usage: tun-reflector NAME[,NAME...] MTU OFFLOADS (at most %d names of 1-15 bytes)\n", MAX_DEVICES);
      return 2;
    }
    unsigned got;
    int fd = open_one(name, mtu, want, &got, names[count]);
    if (fd < 0) return 3;
    if (count == 0 || got < accepted) accepted = got;
    fds[count].fd = fd;
    fds[count].events = POLLIN;
    if (count > 0) strcat(list, ",");
    strcat(list, names[count]);
    count++;
  }
  printf("ready %s %u\n", list, accepted);
  fflush(stdout);

  if (count == 1) {
    /* One device: blocking reads, one read and one write per packet. */
    for (;;) {
      ssize_t n = read(fds[0].fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        fprintf(stderr, "tun-reflector: %s: read: %s\n", names[0], strerror(errno));
        return 1;
      }
      if (reflect(fds[0].fd, names[0], n) != 0) return 1;
    }
  }
  /* Several: non-blocking, poll, then drain every ready device. */
  for (int i = 0; i < count; i++) {
    if (fcntl(fds[i].fd, F_SETFL, fcntl(fds[i].fd, F_GETFL) | O_NONBLOCK) < 0) return fail(names[i], "O_NONBLOCK", errno);
  }
  for (;;) {
    if (poll(fds, (nfds_t)count, -1) < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "tun-reflector: poll: %s\n", strerror(errno));
      return 1;
    }
    for (int i = 0; i < count; i++) {
      if ((fds[i].revents & (POLLIN | POLLERR | POLLHUP)) == 0) continue;
      for (;;) {
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n < 0) {
          if (errno == EINTR) continue;
          if (errno == EAGAIN) break;
          fprintf(stderr, "tun-reflector: %s: read: %s\n", names[i], strerror(errno));
          return 1;
        }
        if (reflect(fds[i].fd, names[i], n) != 0) return 1;
      }
    }
  }
}
