// A minimal io_uring (io_uring_setup(2), io_uring_enter(2)) for one job: a batch of reads or of
// writes on one descriptor in one system call. The TUN device has no batched read or write of
// its own (every read(2) and write(2) carries one packet), and on the project's machines a
// system call costs ~1.3 µs, as much as a small packet's whole forwarding: a batch of n packets
// through the ring costs one system call instead of n.
//
// The descriptor is non-blocking, and every operation is issued inline, in the submitting call:
// a write to the TUN device never waits (its socket's send buffer is unlimited), and a read
// carries RWF_NOWAIT, so that one finding the device empty completes with -EAGAIN instead of
// being parked on the device's wait queue. When io_uring_enter returns with min_complete = n,
// the n completions are there and the buffers are no longer referenced.
//
// No liburing (not a dependency of the project): the rings are mapped by hand as
// io_uring_setup(2) documents, with acquire/release ordering on the shared head and tail.
#pragma once

#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <algorithm>

namespace portcullis {

class IoRing {
 public:
  IoRing() = default;
  IoRing(const IoRing&) = delete;
  IoRing& operator=(const IoRing&) = delete;
  ~IoRing() { Close(); }

  /** Sets up a ring of `entries` submissions; false (errno set) where io_uring is unavailable. */
  bool Open(unsigned entries) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    int fd = (int)syscall(__NR_io_uring_setup, entries, &p);
    if (fd < 0) return false;
    fd_ = fd;
    sq_len_ = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    cq_len_ = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    bool single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single) sq_len_ = cq_len_ = std::max(sq_len_, cq_len_);
    sq_ptr_ = mmap(nullptr, sq_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    if (sq_ptr_ == MAP_FAILED) return Fail();
    if (single) {
      cq_ptr_ = sq_ptr_;
    } else {
      cq_ptr_ = mmap(nullptr, cq_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
      if (cq_ptr_ == MAP_FAILED) return Fail();
    }
    sqes_len_ = p.sq_entries * sizeof(struct io_uring_sqe);
    sqes_ = static_cast<struct io_uring_sqe*>(
        mmap(nullptr, sqes_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES));
    if (sqes_ == MAP_FAILED) {
      sqes_ = nullptr;
      return Fail();
    }
    char* sq = static_cast<char*>(sq_ptr_);
    char* cq = static_cast<char*>(cq_ptr_);
    sq_tail_ = reinterpret_cast<unsigned*>(sq + p.sq_off.tail);
    sq_mask_ = *reinterpret_cast<unsigned*>(sq + p.sq_off.ring_mask);
    sq_array_ = reinterpret_cast<unsigned*>(sq + p.sq_off.array);
    cq_head_ = reinterpret_cast<unsigned*>(cq + p.cq_off.head);
    cq_tail_ = reinterpret_cast<unsigned*>(cq + p.cq_off.tail);
    cq_mask_ = *reinterpret_cast<unsigned*>(cq + p.cq_off.ring_mask);
    cqes_ = reinterpret_cast<struct io_uring_cqe*>(cq + p.cq_off.cqes);
    entries_ = p.sq_entries;
    return true;
  }

  /** A result not (yet) known. */
  static constexpr int32_t kUnknown = INT32_MIN;

  bool open() const { return fd_ >= 0; }
  /** Submissions per call at most. */
  unsigned entries() const { return entries_; }

  /**
   * Writes iov[2i .. 2i+1] (iovPer = 2: header and packet) or iov[i] (iovPer = 1) to `fd` for
   * i < n (n ≤ entries()) in one io_uring_enter, and stores each write's result (bytes or
   * -errno) in res[i]. Returns 0, or -errno when the ring itself failed before submitting
   * anything (nothing was written: the caller may fall back to plain writes). Should the ring
   * fail after submitting (never seen: writes complete inline), the writes whose results are
   * unknown get that error in res.
   */
  int WriteBatch(int fd, const struct iovec* iov, unsigned iovPer, unsigned n, int32_t* res) {
    return Run(IORING_OP_WRITEV, 0, fd, iov, iovPer, n, res);
  }

  /**
   * Reads into iov[2i .. 2i+1] or iov[i] from `fd` for i < n (n ≤ entries()), in order, in one
   * io_uring_enter, each read RWF_NOWAIT: res[i] is its byte count, -EAGAIN when the device had
   * nothing at that moment, or another -errno. Returns as WriteBatch does.
   */
  int ReadBatch(int fd, const struct iovec* iov, unsigned iovPer, unsigned n, int32_t* res) {
    return Run(IORING_OP_READV, RWF_NOWAIT, fd, iov, iovPer, n, res);
  }

 private:
  int Run(uint8_t opcode, uint32_t rwFlags, int fd, const struct iovec* iov, unsigned iovPer, unsigned n, int32_t* res) {
    unsigned tail = *sq_tail_;  // this thread is the only producer
    for (unsigned i = 0; i < n; i++) {
      unsigned idx = (tail + i) & sq_mask_;
      struct io_uring_sqe* sqe = &sqes_[idx];
      memset(sqe, 0, sizeof *sqe);
      sqe->opcode = opcode;
      sqe->fd = fd;
      sqe->addr = (uint64_t)(uintptr_t)(iov + (size_t)i * iovPer);
      sqe->len = iovPer;
      sqe->off = (uint64_t)-1;  // the file's position: a TUN device has none
      sqe->rw_flags = rwFlags;
      sqe->user_data = i;
      sq_array_[idx] = idx;
    }
    __atomic_store_n(sq_tail_, tail + n, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < n; i++) res[i] = kUnknown;
    unsigned toSubmit = n;
    unsigned done = 0;
    while (done < n) {
      int r = (int)syscall(__NR_io_uring_enter, fd_, toSubmit, n - done, IORING_ENTER_GETEVENTS, nullptr, 0);
      if (r < 0) {
        int err = errno;
        if (err == EINTR) continue;
        // io_uring_enter fails only when it submitted nothing in this call: take back what the
        // kernel did not consume.
        __atomic_store_n(sq_tail_, tail + (n - toSubmit), __ATOMIC_RELEASE);
        if (toSubmit == n) return -err;
        for (unsigned i = 0; i < n; i++) {
          if (res[i] == kUnknown) res[i] = -err;
        }
        return 0;
      }
      toSubmit -= std::min((unsigned)r, toSubmit);
      unsigned head = *cq_head_;
      unsigned ctail = __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE);
      for (; head != ctail; head++) {
        const struct io_uring_cqe* cqe = &cqes_[head & cq_mask_];
        if (cqe->user_data < n) res[cqe->user_data] = cqe->res;
        done++;
      }
      __atomic_store_n(cq_head_, head, __ATOMIC_RELEASE);
    }
    return 0;
  }

 public:
  void Close() {
    if (sqes_ != nullptr) munmap(sqes_, sqes_len_);
    if (cq_ptr_ != nullptr && cq_ptr_ != MAP_FAILED && cq_ptr_ != sq_ptr_) munmap(cq_ptr_, cq_len_);
    if (sq_ptr_ != nullptr && sq_ptr_ != MAP_FAILED) munmap(sq_ptr_, sq_len_);
    if (fd_ >= 0) close(fd_);
    sqes_ = nullptr;
    sq_ptr_ = cq_ptr_ = nullptr;
    fd_ = -1;
  }

 private:
  bool Fail() {
    int err = errno;
    Close();
    errno = err;
    return false;
  }

  int fd_ = -1;
  unsigned entries_ = 0;
  void* sq_ptr_ = nullptr;
  void* cq_ptr_ = nullptr;
  size_t sq_len_ = 0, cq_len_ = 0, sqes_len_ = 0;
  struct io_uring_sqe* sqes_ = nullptr;
  unsigned* sq_tail_ = nullptr;
  unsigned sq_mask_ = 0;
  unsigned* sq_array_ = nullptr;
  unsigned* cq_head_ = nullptr;
  unsigned* cq_tail_ = nullptr;
  unsigned cq_mask_ = 0;
  struct io_uring_cqe* cqes_ = nullptr;
};

}  // namespace portcullis
