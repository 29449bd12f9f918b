// The TUN device addon: opens a Linux TUN interface (IFF_TUN | IFF_NO_PI, optionally
// IFF_VNET_HDR with TUNSETOFFLOAD), sets its MTU and brings it up, then moves packets in batches
// between the non-blocking device and buffers the caller owns, one N-API call per batch. A TUN
// device hands over one packet per read and takes one per write; both go through an io_uring
// (uring.h) where the kernel offers one, several packets per system call, else one read(2) or
// write(2) per packet.
// Readiness comes from a uv_poll handle on Node's main loop; nothing here runs on, or blocks,
// the libuv thread pool (scrypt and TLS need it).
//
// JavaScript side: src/io/tun.ts (the types, the meaning of every number, the errors).
//
// Offloads (linux/if_tun.h, Documentation/networking/tuntap.rst): with IFF_VNET_HDR every read
// and write carries a virtio-net header (vnet.h) in front of the packet, kept apart from it in
// a Uint16Array so the packet buffer holds IP packets only.
//
// Observation taps: `new Tun({ tap: NAME, filter })` opens instead an AF_PACKET socket
// (SOCK_DGRAM: IP packets, no link header) bound to interface NAME, with the classic BPF program
// `filter` (four numbers per instruction: code, jt, jf, k) attached before it is bound, so that
// nothing unfiltered is ever queued. It reads in batches like a TUN device and is never written
// to: the live gateway observes the packets the host stack delivers to itself (its login service)
// beside the kernel's path (src/io/tap.ts).
#include <napi.h>
#include <uv.h>

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "device.h"
#include "napi-args.h"
#include "uring.h"
#include "vnet.h"

// Added in Linux 6.2 (UDP segmentation offload); older headers lack them.
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

namespace {

using portcullis::BatchArrays;
using portcullis::IsArrayOf;
using portcullis::kVnetSlots;
using portcullis::StoreVnet;
using portcullis::ThrowErrno;
using portcullis::VnetHdr;
using portcullis::VnetHdrFrom;

/** Writes per io_uring submission (uring.h); a larger batch goes in several. */
constexpr unsigned kRingEntries = 256;

/** Bounds of the reads submitted in a first round (tun.cc ReadThroughRing). */
constexpr unsigned kRingReadsMin = 2;
constexpr unsigned kRingReadsMax = 64;
/**
 * Plain reads that found a packet after ring reads found none (readBatch's probe) before reads
 * go plain for good: one may be a packet that came just after the ring's reads.
 */
constexpr unsigned kRingProbeHits = 3;

/** Largest IP packet, and so the largest super-packet a read can carry. */
constexpr size_t kMaxFrame = 65535;

/** Counter slots of the Float64Array every device exposes (src/io/tun.ts names them). */
enum Counter {
  kReadBatches,
  kReadPackets,
  kReadBytes,
  kReadDropped,  // longer than the room left (truncated) or shorter than the vnet header
  kWriteBatches,
  kWritePackets,
  kWriteBytes,
  kWriteRefused,  // the kernel refused the packet (EINVAL: empty, not IPv4/IPv6, bad header)
  kLastWriteErrno,
  kLastReadErrno,
  kReadDrained,  // read batches that ended because the device had nothing more (EAGAIN)
  kReadSyscalls,  // read(2)/readv(2) calls and io_uring_enter(2) calls with a round of reads
  kWriteSyscalls,  // write(2)/writev(2) calls and io_uring_enter(2) calls with a batch of writes
  kCounterCount
};

/** Errors of one written packet (the next may pass); anything else means the device failed. */
bool PacketFault(int err) {
  return err == EINVAL || err == EMSGSIZE || err == ENOMEM || err == ENOBUFS || err == EFAULT;
}

class Tun : public Napi::ObjectWrap<Tun> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Tun",
                       {
                           InstanceMethod<&Tun::ReadBatch>("readBatch"),
                           InstanceMethod<&Tun::WriteBatch>("writeBatch"),
                           InstanceMethod<&Tun::StartPolling>("startPolling"),
                           InstanceMethod<&Tun::StopPolling>("stopPolling"),
                           InstanceMethod<&Tun::Close>("close"),
                       });
  }

  /**
   * new Tun(name, mtu, offloads): offloads is the TUN_F_* mask wanted (0: no virtio header).
   * Refused masks fall back to fewer flags (no USO, then checksum only) and, when even that is
   * refused, to a device without the header. Sets this.name, this.fd, this.vnetHdr,
   * this.offloads (the mask the kernel accepted) and this.counters.
   */
  explicit Tun(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Tun>(info) {
    Napi::Env env = info.Env();
    if (info.Length() == 1 && info[0].IsObject()) {
      OpenTapFrom(info);
      return;
    }
    if (info.Length() < 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber()) {
      Napi::TypeError::New(env, "Tun(name: string, mtu: number, offloads: number)").ThrowAsJavaScriptException();
      return;
    }
    std::string name = info[0].As<Napi::String>().Utf8Value();
    int mtu = info[1].As<Napi::Number>().Int32Value();
    unsigned want = info[2].As<Napi::Number>().Uint32Value();
    if (name.empty() || name.size() >= IFNAMSIZ) {
      ThrowErrno(env, "interface name", EINVAL);
      return;
    }

    char actual[IFNAMSIZ];
    const char* step = "";
    int fd = -1;
    unsigned accepted = 0;
    if (want != 0) {
      fd = Attach(name.c_str(), IFF_TUN | IFF_NO_PI | IFF_VNET_HDR, actual, &step);
      if (fd < 0) {
        ThrowErrno(env, step, -fd);
        return;
      }
      // The kernel refuses (EINVAL) any mask with a bit it does not know, and USO4 without USO6.
      const unsigned tries[] = {want, want & ~(unsigned)(TUN_F_USO4 | TUN_F_USO6), want & TUN_F_CSUM};
      bool set = false;
      for (unsigned mask : tries) {
        if (mask == 0) continue;
        if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)mask) == 0) {
          accepted = mask;
          set = true;
          break;
        }
      }
      if (!set) {
        // No offload at all: a device without the header is simpler and cheaper. The device is
        // not persistent, so closing the descriptor removes it and the name is free again.
        close(fd);
        fd = -1;
      }
    }
    if (fd < 0) {
      fd = Attach(name.c_str(), IFF_TUN | IFF_NO_PI, actual, &step);
      if (fd < 0) {
        ThrowErrno(env, step, -fd);
        return;
      }
    }
    int err = ConfigureLink(actual, mtu, &step);
    if (err != 0) {
      close(fd);
      ThrowErrno(env, step, err);
      return;
    }

    fd_ = fd;
    vnet_ = accepted != 0;
    // A plain device never hands over more than its MTU; with offloads a read may carry 64 KiB.
    frame_max_ = vnet_ ? kMaxFrame : (size_t)mtu;
    OpenRing();
    Publish(info, actual, accepted);
  }

  /** new Tun({ tap: name, filter: Uint32Array }): an observation tap (see the file comment). */
  void OpenTapFrom(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = info[0].As<Napi::Object>();
    Napi::Value tap = o.Get("tap");
    Napi::Value filter = o.Get("filter");
    if (!tap.IsString() || !IsArrayOf(filter, napi_uint32_array)) {
      Napi::TypeError::New(env, "Tun({ tap: string, filter: Uint32Array })").ThrowAsJavaScriptException();
      return;
    }
    std::string name = tap.As<Napi::String>().Utf8Value();
    Napi::Uint32Array words = filter.As<Napi::Uint32Array>();
    size_t count = words.ElementLength() / 4;
    if (name.empty() || name.size() >= IFNAMSIZ) {
      ThrowErrno(env, "interface name", EINVAL);
      return;
    }
    if (count == 0 || count > BPF_MAXINSNS || words.ElementLength() % 4 != 0) {
      ThrowErrno(env, "BPF program", EINVAL);
      return;
    }
    const char* step = "";
    int fd = OpenTap(name.c_str(), words.Data(), (unsigned short)count, &step);
    if (fd < 0) {
      ThrowErrno(env, step, -fd);
      return;
    }
    fd_ = fd;
    vnet_ = false;
    observe_only_ = true;
    frame_max_ = kMaxFrame;
    Publish(info, name, 0);
  }

  /** Makes the counters and sets this.name, fd, vnetHdr, offloads, frameMax, counters, uring. */
  void Publish(const Napi::CallbackInfo& info, const std::string& name, unsigned offloads) {
    Napi::Env env = info.Env();
    Napi::Float64Array counters = Napi::Float64Array::New(env, kCounterCount);
    counters_ = counters.Data();
    counters_ref_ = Napi::Persistent(counters);
    Napi::Object self = info.This().As<Napi::Object>();
    self.Set("name", Napi::String::New(env, name));
    self.Set("fd", Napi::Number::New(env, fd_));
    self.Set("vnetHdr", Napi::Boolean::New(env, vnet_));
    self.Set("offloads", Napi::Number::New(env, offloads));
    self.Set("frameMax", Napi::Number::New(env, (double)frame_max_));
    self.Set("counters", counters);
    self.Set("uring", Napi::Boolean::New(env, ring_.open()));
  }

  ~Tun() override {
    // Only reached when no poll is active (an active poll holds a reference to this object).
    if (poll_ != nullptr) ClosePoll();
    if (fd_ >= 0) close(fd_);
  }

 private:
  /**
   * readBatch(buf, offsets, lengths, vnet) → count, or -errno when the first read failed.
   * Reads up to offsets.length packets into buf while the room left exceeds frameMax (through
   * the ring each at the start of a slot of frameMax + 1 bytes, else one after another): packet
   * i is buf[offsets[i], offsets[i] + lengths[i]), its virtio header's six numbers vnet[6i …].
   * 0: nothing to read. A batch that ended on EAGAIN adds one to counters[kReadDrained].
   */
  Napi::Value ReadBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!BatchArrays(info, "readBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, vnet?: Uint16Array)")) {
      return env.Undefined();
    }
    if (fd_ < 0) return Napi::Number::New(env, -EBADF);
    Napi::Uint8Array buf = info[0].As<Napi::Uint8Array>();
    Napi::Uint32Array offsets = info[1].As<Napi::Uint32Array>();
    Napi::Uint32Array lengths = info[2].As<Napi::Uint32Array>();
    size_t cap = offsets.ElementLength() < lengths.ElementLength() ? offsets.ElementLength() : lengths.ElementLength();
    uint16_t* meta = nullptr;
    if (vnet_) {
      if (info.Length() < 4 || !IsArrayOf(info[3], napi_uint16_array)) {
        Napi::TypeError::New(env, "readBatch: a device with offloads needs a vnet Uint16Array").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      Napi::Uint16Array v = info[3].As<Napi::Uint16Array>();
      meta = v.Data();
      if (v.ElementLength() / kVnetSlots < cap) cap = v.ElementLength() / kVnetSlots;
    }
    uint8_t* base = buf.Data();
    size_t size = buf.ByteLength();
    if (size <= frame_max_) {
      Napi::RangeError::New(env, "readBatch: buf must be longer than frameMax").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    uint32_t* off = offsets.Data();
    uint32_t* len = lengths.Data();

    size_t pos = 0;
    size_t count = 0;
    int failed = 0;
    bool drained = false;
    bool plain = !ring_.open() || !ring_reads_ok_;
    bool probe = false;
    if (!plain) {
      ReadThroughRing(base, size, off, len, meta, cap, &pos, &count, &failed, &drained);
      if (!ring_.open()) {
        plain = true;  // the ring failed as a whole
      } else if (count == 0 && drained && failed == 0 && !ring_reads_proven_) {
        // No ring read has found a packet yet: one plain read tells an empty device from a
        // kernel whose ring reads find nothing on it (kRingProbeHits).
        plain = probe = true;
        drained = false;
      }
    }
    VnetHdr hdr;
    // Plain reads: without a ring, after it failed, or the probe above.
    while (plain && !drained && failed == 0 && count < cap && size - pos > frame_max_) {
      size_t room = size - pos;
      ssize_t n;
      if (vnet_) {
        struct iovec iov[2] = {{&hdr, sizeof hdr}, {base + pos, room}};
        n = readv(fd_, iov, 2);
      } else {
        n = read(fd_, base + pos, room);
      }
      counters_[kReadSyscalls]++;
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) drained = true;
        else failed = errno;
        break;
      }
      size_t got = (size_t)n;
      if (vnet_) {
        if (got < sizeof hdr) {
          counters_[kReadDropped]++;
          continue;
        }
        got -= sizeof hdr;
      }
      // The room always exceeds the largest frame, so a packet that fills it was cut short.
      if (got >= room) {
        counters_[kReadDropped]++;
        continue;
      }
      off[count] = (uint32_t)pos;
      len[count] = (uint32_t)got;
      if (vnet_) StoreVnet(hdr, meta + count * kVnetSlots);
      if (probe && ++ring_probe_hits_ == kRingProbeHits) ring_reads_ok_ = false;
      probe = false;
      pos += got;
      count++;
    }
    if (drained) counters_[kReadDrained]++;
    counters_[kReadBatches]++;
    counters_[kReadPackets] += (double)count;
    // Ring reads leave gaps between packets (a slot each): the bytes are the lengths' sum.
    for (size_t i = 0; i < count; i++) counters_[kReadBytes] += len[i];
    if (failed != 0) {
      counters_[kLastReadErrno] = failed;
      // Packets already read are handed over; the error comes back on the next call.
      if (count == 0) return Napi::Number::New(env, -failed);
    }
    return Napi::Number::New(env, (double)count);
  }

  /**
   * readBatch's reads through the ring: rounds of reads, one system call each, every read into a
   * slot of frameMax + 1 bytes of its own (so that a read filling its slot was cut short), until
   * one finds the device empty (*drained), cap packets are in, the buffer is full or a read
   * fails (*failed, once the packets before it are in). The first round submits about as many
   * reads as the last call found packets; a round whose reads all found one doubles the next.
   * Packets keep the device's order: the reads are issued one after another in submission order.
   * Should the ring fail as a whole it is closed, and the caller goes on with plain reads.
   */
  void ReadThroughRing(uint8_t* base, size_t size, uint32_t* off, uint32_t* len, uint16_t* meta, size_t cap,
                       size_t* pos, size_t* count, int* failed, bool* drained) {
    const size_t slot = frame_max_ + 1;
    unsigned want = ring_reads_;
    while (*count < cap && size - *pos >= slot && !*drained && *failed == 0) {
      unsigned k = (unsigned)std::min({(size_t)want, cap - *count, (size - *pos) / slot, (size_t)ring_.entries()});
      for (unsigned j = 0; j < k; j++) {
        uint8_t* at = base + *pos + j * slot;
        if (vnet_) {
          ring_iov_[2 * j] = {&ring_hdrs_[j], sizeof(VnetHdr)};
          ring_iov_[2 * j + 1] = {at, slot};
        } else {
          ring_iov_[j] = {at, slot};
        }
      }
      counters_[kReadSyscalls]++;
      if (fault_ring_reads_empty_) {
        std::fill(ring_res_.get(), ring_res_.get() + k, -EAGAIN);
      } else if (ring_.ReadBatch(fd_, ring_iov_.get(), vnet_ ? 2 : 1, k, ring_res_.get()) < 0) {
        ring_.Close();
        return;
      }
      size_t used = 0;  // slots up to the last one holding a packet
      unsigned got = 0;
      for (unsigned j = 0; j < k; j++) {
        int32_t r = ring_res_[j];
        if (r == -EAGAIN) {
          *drained = true;
          continue;
        }
        if (r < 0) {
          if (*failed == 0) *failed = -r;
          continue;
        }
        size_t n = (size_t)r;
        if (vnet_) {
          if (n < sizeof(VnetHdr)) {
            counters_[kReadDropped]++;
            continue;
          }
          n -= sizeof(VnetHdr);
        }
        if (n >= slot) {
          counters_[kReadDropped]++;
          continue;
        }
        size_t at = *pos + j * slot;
        off[*count] = (uint32_t)at;
        len[*count] = (uint32_t)n;
        if (vnet_) StoreVnet(ring_hdrs_[j], meta + *count * kVnetSlots);
        (*count)++;
        got++;
        used = j + 1;
        ring_reads_proven_ = true;
      }
      *pos += used * slot;
      if (got < k) break;
      want = std::min(2 * k, kRingReadsMax);
    }
    ring_reads_ = std::max(kRingReadsMin, std::min((unsigned)(*count + 1), kRingReadsMax));
  }

  /**
   * writeBatch(buf, offsets, lengths, count, vnet) → packets written, or -errno when the device
   * failed before any was. A packet the kernel refuses (EINVAL: empty, neither IPv4 nor IPv6, a
   * bad virtio header) is skipped and counted in counters[WRITE_REFUSED]; any other error stops
   * the batch (through the write ring, after the chunk of up to kRingEntries packets it is in:
   * those were submitted together). With the virtio header, vnet[6i .. 6i+5] is packet i's
   * header (null: none, all zero). Every packet must lie inside buf (RangeError otherwise, before
   * anything is written).
   */
  Napi::Value WriteBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!BatchArrays(info, "writeBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number, "
                           "vnet?: Uint16Array)")) {
      return env.Undefined();
    }
    if (info.Length() < 4 || !info[3].IsNumber()) {
      Napi::TypeError::New(env, "writeBatch: count must be a number").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    // A tap observes; it never writes.
    if (fd_ < 0 || observe_only_) return Napi::Number::New(env, -EBADF);
    Napi::Uint8Array buf = info[0].As<Napi::Uint8Array>();
    Napi::Uint32Array offsets = info[1].As<Napi::Uint32Array>();
    Napi::Uint32Array lengths = info[2].As<Napi::Uint32Array>();
    double want = info[3].As<Napi::Number>().DoubleValue();
    if (!(want >= 0) || want > (double)offsets.ElementLength() || want > (double)lengths.ElementLength()) {
      Napi::RangeError::New(env, "writeBatch: count exceeds offsets or lengths").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    size_t count = (size_t)want;
    const uint16_t* meta = nullptr;
    if (vnet_ && info.Length() >= 5 && !info[4].IsNull() && !info[4].IsUndefined()) {
      if (!IsArrayOf(info[4], napi_uint16_array)) {
        Napi::TypeError::New(env, "writeBatch: vnet must be a Uint16Array").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      Napi::Uint16Array v = info[4].As<Napi::Uint16Array>();
      if (v.ElementLength() / kVnetSlots < count) {
        Napi::RangeError::New(env, "writeBatch: vnet holds fewer headers than count").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      meta = v.Data();
    }
    const uint8_t* base = buf.Data();
    size_t size = buf.ByteLength();
    const uint32_t* off = offsets.Data();
    const uint32_t* len = lengths.Data();
    for (size_t i = 0; i < count; i++) {
      if ((size_t)off[i] > size || (size_t)len[i] > size - off[i]) {
        Napi::RangeError::New(env, "writeBatch: packet " + std::to_string(i) + " lies outside buf")
            .ThrowAsJavaScriptException();
        return env.Undefined();
      }
    }

    size_t written = 0;
    double bytes = 0;
    int failed = 0;
    size_t i = 0;
    if (ring_.open()) {
      // Through the ring: one system call per chunk of up to kRingEntries packets.
      while (i < count && failed == 0) {
        unsigned chunk = (unsigned)std::min(count - i, (size_t)ring_.entries());
        for (unsigned k = 0; k < chunk; k++) {
          void* pkt = const_cast<uint8_t*>(base + off[i + k]);
          if (vnet_) {
            VnetHdrFrom(meta, i + k, &ring_hdrs_[k]);
            ring_iov_[2 * k] = {&ring_hdrs_[k], sizeof(VnetHdr)};
            ring_iov_[2 * k + 1] = {pkt, len[i + k]};
          } else {
            ring_iov_[k] = {pkt, len[i + k]};
          }
        }
        counters_[kWriteSyscalls]++;
        if (ring_.WriteBatch(fd_, ring_iov_.get(), vnet_ ? 2 : 1, chunk, ring_res_.get()) < 0) {
          // The ring itself failed and wrote nothing: plain writes from here on.
          ring_.Close();
          break;
        }
        for (unsigned k = 0; k < chunk; k++) {
          int32_t r = ring_res_[k];
          if (r >= 0) {
            written++;
            bytes += len[i + k];
            continue;
          }
          counters_[kLastWriteErrno] = -r;
          if (PacketFault(-r)) {
            counters_[kWriteRefused]++;
          } else if (failed == 0) {
            failed = -r;
          }
        }
        i += chunk;
      }
    }
    VnetHdr hdr;
    memset(&hdr, 0, sizeof hdr);
    while (i < count && failed == 0) {
      ssize_t n;
      void* pkt = const_cast<uint8_t*>(base + off[i]);
      if (vnet_) {
        VnetHdrFrom(meta, i, &hdr);
        struct iovec iov[2] = {{&hdr, sizeof hdr}, {pkt, len[i]}};
        n = writev(fd_, iov, 2);
      } else {
        n = write(fd_, pkt, len[i]);
      }
      counters_[kWriteSyscalls]++;
      if (n < 0) {
        int err = errno;
        if (err == EINTR) continue;
        counters_[kLastWriteErrno] = err;
        if (PacketFault(err)) {
          counters_[kWriteRefused]++;
          i++;
          continue;
        }
        failed = err;
        break;
      }
      written++;
      bytes += len[i];
      i++;
    }
    counters_[kWriteBatches]++;
    counters_[kWritePackets] += (double)written;
    counters_[kWriteBytes] += bytes;
    if (failed != 0 && written == 0) return Napi::Number::New(env, -failed);
    return Napi::Number::New(env, (double)written);
  }

  /**
   * startPolling(callback): calls callback(status) on the main loop whenever the device is
   * readable (status 0; a negative errno if polling failed). Level-triggered: while packets
   * wait, it is called again on the next loop turn, so a callback may read a bounded batch.
   */
  Napi::Value StartPolling(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsFunction()) {
      Napi::TypeError::New(env, "startPolling(callback: (status: number) => void)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (fd_ < 0) {
      ThrowErrno(env, "poll", EBADF);
      return env.Undefined();
    }
    callback_ = Napi::Persistent(info[0].As<Napi::Function>());
    if (poll_ == nullptr) {
      uv_loop_t* loop = nullptr;
      if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
        Napi::Error::New(env, "poll: no event loop").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      poll_ = new uv_poll_t;
      int r = uv_poll_init(loop, poll_, fd_);
      if (r != 0) {
        delete poll_;
        poll_ = nullptr;
        ThrowErrno(env, "uv_poll_init", -r);
        return env.Undefined();
      }
      poll_->data = this;
      context_ = std::make_unique<Napi::AsyncContext>(env, "portcullis:tun");
    }
    int r = uv_poll_start(poll_, UV_READABLE, OnPoll);
    if (r != 0) {
      ThrowErrno(env, "uv_poll_start", -r);
      return env.Undefined();
    }
    if (!polling_) {
      polling_ = true;
      Ref();
    }
    return env.Undefined();
  }

  /** stopPolling(): no more callbacks until startPolling again. */
  Napi::Value StopPolling(const Napi::CallbackInfo& info) {
    Stop();
    return info.Env().Undefined();
  }

  /** close(): stops polling and closes the descriptor; the (non-persistent) interface goes away. */
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Stop();
    if (poll_ != nullptr) ClosePoll();
    ring_.Close();
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
    context_.reset();
    return info.Env().Undefined();
  }

  void Stop() {
    if (poll_ != nullptr) uv_poll_stop(poll_);
    callback_.Reset();
    if (polling_) {
      polling_ = false;
      Unref();
    }
  }

  void ClosePoll() {
    // uv_poll_stop (in Stop) already took the fd out of epoll; the handle memory goes once
    // libuv is done with it.
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    Tun* self = static_cast<Tun*>(handle->data);
    if (!self->polling_ || self->callback_.IsEmpty()) return;
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    // MakeCallback runs the callback as an entry from the event loop: with its async context,
    // and with the microtask and nextTick queues drained afterwards.
    self->callback_.MakeCallback(self->Value(), {Napi::Number::New(env, status)}, *self->context_);
    if (env.IsExceptionPending()) {
      Napi::Error e = env.GetAndClearPendingException();
      napi_fatal_exception(env, e.Value());
    }
  }

  /**
   * Opens the write ring (uring.h) unless PORTCULLIS_TUN_URING=0 asks not to; without it (an
   * older kernel, io_uring disabled by sysctl or a seccomp filter) writes are plain writev calls.
   */
  void OpenRing() {
    const char* want = getenv("PORTCULLIS_TUN_URING");
    if (want != nullptr && strcmp(want, "0") == 0) return;
    // PORTCULLIS_TUN_URING=writes: the ring for writes only, plain reads.
    if (want != nullptr && strcmp(want, "writes") == 0) ring_reads_ok_ = false;
    const char* fault = getenv("PORTCULLIS_TUN_FAULT");
    fault_ring_reads_empty_ = fault != nullptr && strcmp(fault, "ring-reads-empty") == 0;
    if (!ring_.Open(kRingEntries)) return;
    ring_hdrs_.reset(new VnetHdr[ring_.entries()]);
    ring_iov_.reset(new struct iovec[2 * (size_t)ring_.entries()]);
    ring_res_.reset(new int32_t[ring_.entries()]);
  }

  int fd_ = -1;
  portcullis::IoRing ring_;
  /** Reads the ring submits first in a readBatch call: about what the last call found. */
  unsigned ring_reads_ = kRingReadsMin;
  /** Whether reads go through the ring (see ReadBatch's probe), and whether one found a packet. */
  bool ring_reads_ok_ = true;
  bool ring_reads_proven_ = false;
  unsigned ring_probe_hits_ = 0;
  /** Fault injection for the tests: ring reads find nothing (PORTCULLIS_TUN_FAULT=ring-reads-empty). */
  bool fault_ring_reads_empty_ = false;
  std::unique_ptr<VnetHdr[]> ring_hdrs_;
  std::unique_ptr<struct iovec[]> ring_iov_;
  std::unique_ptr<int32_t[]> ring_res_;
  bool vnet_ = false;
  bool observe_only_ = false;
  bool polling_ = false;
  size_t frame_max_ = 0;
  double* counters_ = nullptr;
  Napi::Reference<Napi::Float64Array> counters_ref_;
  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> context_;
  uv_poll_t* poll_ = nullptr;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Tun", Tun::Init(env));
  Napi::Object f = Napi::Object::New(env);
  f.Set("CSUM", Napi::Number::New(env, TUN_F_CSUM));
  f.Set("TSO4", Napi::Number::New(env, TUN_F_TSO4));
  f.Set("TSO6", Napi::Number::New(env, TUN_F_TSO6));
  f.Set("USO4", Napi::Number::New(env, TUN_F_USO4));
  f.Set("USO6", Napi::Number::New(env, TUN_F_USO6));
  exports.Set("offloadFlags", f);
  return exports;
}

}  // namespace

NODE_API_MODULE(portcullis_tun, Init)
