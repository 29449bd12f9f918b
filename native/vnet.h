// The virtio-net header a TUN device with IFF_VNET_HDR puts in front of every packet
// (include/uapi/linux/virtio_net.h, the legacy 10-byte layout, host byte order on a
// little-endian host), and its six numbers per packet in the Uint16Array the JavaScript side
// holds (src/io/tun.ts names them: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset).
//
// With TUN_F_CSUM the kernel may hand over packets whose transport checksum is only partial
// (VIRTIO_NET_HDR_F_NEEDS_CSUM; csum_start and csum_offset say where to complete it); with
// TUN_F_TSO4/6 and TUN_F_USO4/6 it may hand over one TCP or UDP super-packet of up to 64 KiB
// that stands for many segments of gso_size bytes. readv/writev (or their io_uring forms) put
// the header and the packet in one system call.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace portcullis {

/** struct virtio_net_hdr (include/uapi/linux/virtio_net.h), the legacy 10-byte header. */
struct VnetHdr {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
};
static_assert(sizeof(VnetHdr) == 10, "virtio_net_hdr is 10 bytes");

/** Numbers per packet in the vnet Uint16Array (src/io/tun.ts names them). */
constexpr size_t kVnetSlots = 6;

/** Packet i's virtio header from its six numbers in `meta` (all zero when meta is null). */
inline void VnetHdrFrom(const uint16_t* meta, size_t i, VnetHdr* hdr) {
  if (meta == nullptr) {
    memset(hdr, 0, sizeof *hdr);
    return;
  }
  const uint16_t* m = meta + i * kVnetSlots;
  hdr->flags = (uint8_t)m[0];
  hdr->gso_type = (uint8_t)m[1];
  hdr->hdr_len = m[2];
  hdr->gso_size = m[3];
  hdr->csum_start = m[4];
  hdr->csum_offset = m[5];
}

/** A read packet's virtio header as its six numbers in `m`. */
inline void StoreVnet(const VnetHdr& hdr, uint16_t* m) {
  m[0] = hdr.flags;
  m[1] = hdr.gso_type;
  m[2] = hdr.hdr_len;
  m[3] = hdr.gso_size;
  m[4] = hdr.csum_start;
  m[5] = hdr.csum_offset;
}

}  // namespace portcullis
