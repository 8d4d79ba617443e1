// tinkernet's TAP addon: the few system calls Node.js cannot make by itself.
//
//   open(tapName, netnsPath?) -> { fd, name }   open("/dev/net/tun") + ioctl(TUNSETIFF, IFF_TAP|IFF_NO_PI),
//                                              optionally inside a named network namespace
//   read(fd, buffer) -> n | -errno              one read(2): exactly one whole frame (or -EAGAIN)
//   readBatch(fd, buffer, lengths, room) -> n   several read(2)s, frames packed one after another
//   write(fd, frame) -> n | -errno              one write(2): exactly one whole frame
//   poll(fd, onReadable) -> handle              a libuv poll watcher calling onReadable() on the JS thread
//   stopPoll(handle), ref(handle), unref(handle)
//   close(fd)
//
// Why a native addon: a TAP device hands over one Ethernet frame per read(2) and takes one per
// write(2). Node's stream machinery (net.Socket, fs streams) would merge or split those frames;
// libuv's poll watcher plus plain read/write keeps each system call one frame, in order, on the JS
// thread, so the bridge cannot lose, reorder or corrupt a frame by itself. Everything else (ip
// commands, the event loop, counters) stays in TypeScript (src/platform/tap/).
//
// The C API of N-API (node_api.h) only: the addon works with any Node.js version >= 18 unchanged.

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <node_api.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#include <string>

namespace {

#define CHECK_NAPI(env, call)                                                  \
  do {                                                                         \
    napi_status status_ = (call);                                              \
    if (status_ != napi_ok) {                                                  \
      const napi_extended_error_info* info_ = nullptr;                         \
      napi_get_last_error_info((env), &info_);                                 \
      napi_throw_error((env), "ERR_TAP_NAPI",                                  \
                       info_ && info_->error_message ? info_->error_message    \
                                                     : "N-API call failed");   \
      return nullptr;                                                          \
    }                                                                          \
  } while (0)

napi_value ThrowErrno(napi_env env, const std::string& what, int err) {
  std::string message = what + ": " + strerror(err);
  napi_value code, msg, error, errnoValue;
  napi_create_string_utf8(env, "ERR_TAP_SYSCALL", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message.c_str(), NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, err, &errnoValue);
  napi_set_named_property(env, error, "errno", errnoValue);
  napi_throw(env, error);
  return nullptr;
}

bool GetString(napi_env env, napi_value value, std::string* out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) return false;
  out->resize(length);
  size_t copied = 0;
  if (napi_get_value_string_utf8(env, value, &(*out)[0], length + 1, &copied) != napi_ok) return false;
  out->resize(copied);
  return true;
}

bool GetBytes(napi_env env, napi_value value, uint8_t** data, size_t* length) {
  bool isTyped = false;
  napi_is_typedarray(env, value, &isTyped);
  if (!isTyped) return false;
  napi_typedarray_type type;
  void* raw = nullptr;
  napi_value arrayBuffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, &arrayBuffer, &offset) != napi_ok) return false;
  if (type != napi_uint8_array) return false;
  *data = static_cast<uint8_t*>(raw);
  return true;
}

// Opens (creating if needed) the TAP interface `name`, with IFF_NO_PI so each read/write is a bare
// Ethernet frame. With a namespace path (/var/run/netns/NAME), the calling thread enters that
// namespace for the open and returns to its own afterwards: a TAP interface is created in the
// namespace of the thread that opens it, and an existing persistent one is found there.
napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  std::string name;
  if (argc < 1 || !GetString(env, argv[0], &name)) {
    napi_throw_type_error(env, nullptr, "open(name, netnsPath?): name must be a string");
    return nullptr;
  }
  if (name.size() >= IFNAMSIZ) {
    napi_throw_range_error(env, nullptr, "interface name longer than 15 characters");
    return nullptr;
  }
  std::string netnsPath;
  if (argc >= 2) {
    napi_valuetype type;
    napi_typeof(env, argv[1], &type);
    if (type == napi_string && !GetString(env, argv[1], &netnsPath)) return nullptr;
  }

  int ownNs = -1;
  if (!netnsPath.empty()) {
    ownNs = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (ownNs < 0) return ThrowErrno(env, "open /proc/thread-self/ns/net", errno);
    int targetNs = ::open(netnsPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (targetNs < 0) {
      int err = errno;
      ::close(ownNs);
      return ThrowErrno(env, "open " + netnsPath, err);
    }
    if (setns(targetNs, CLONE_NEWNET) != 0) {
      int err = errno;
      ::close(targetNs);
      ::close(ownNs);
      return ThrowErrno(env, "setns " + netnsPath, err);
    }
    ::close(targetNs);
  }

  int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  int err = fd < 0 ? errno : 0;
  std::string failed = "open /dev/net/tun";
  struct ifreq ifr;
  if (fd >= 0) {
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
      err = errno;
      failed = "ioctl TUNSETIFF " + name;
      ::close(fd);
      fd = -1;
    }
  }

  if (ownNs >= 0) {
    // Return this thread to its own namespace whatever happened; failing that is not recoverable
    // (every later socket of the process would land in the lab's namespace), so abort loudly.
    if (setns(ownNs, CLONE_NEWNET) != 0) {
      napi_fatal_error("tinkernet tap", NAPI_AUTO_LENGTH, "cannot return to the original network namespace",
                       NAPI_AUTO_LENGTH);
    }
    ::close(ownNs);
  }
  if (fd < 0) return ThrowErrno(env, failed, err);

  napi_value result, fdValue, nameValue;
  CHECK_NAPI(env, napi_create_object(env, &result));
  CHECK_NAPI(env, napi_create_int32(env, fd, &fdValue));
  CHECK_NAPI(env, napi_create_string_utf8(env, ifr.ifr_name, NAPI_AUTO_LENGTH, &nameValue));
  CHECK_NAPI(env, napi_set_named_property(env, result, "fd", fdValue));
  CHECK_NAPI(env, napi_set_named_property(env, result, "name", nameValue));
  return result;
}

// read(fd, buffer): one read(2) into `buffer`. A TAP read returns exactly one frame; the buffer must
// hold the largest frame (MTU + 18), or the kernel silently truncates it. Returns the frame's
// length, or -errno (-EAGAIN: nothing waiting).
napi_value Read(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t fd = -1;
  uint8_t* data = nullptr;
  size_t length = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || !GetBytes(env, argv[1], &data, &length)) {
    napi_throw_type_error(env, nullptr, "read(fd, Uint8Array)");
    return nullptr;
  }
  ssize_t n;
  do n = ::read(fd, data, length);
  while (n < 0 && errno == EINTR);
  napi_value result;
  CHECK_NAPI(env, napi_create_int32(env, n < 0 ? -errno : static_cast<int32_t>(n), &result));
  return result;
}

// readBatch(fd, buffer, lengths, room): frames one after another into `buffer`, one read(2) each,
// while at least `room` bytes (the largest frame) are left and `lengths` has a place for the length
// and one more: a single call from JavaScript instead of one per frame. Each frame stays whole (a
// read is only made with room for the largest one) and in order. Returns the number of frames read
// and puts the reason it stopped in lengths[count]: 0 (buffer or lengths full), -EAGAIN (nothing
// more waiting) or another -errno.
napi_value ReadBatch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t fd = -1;
  int32_t room = 0;
  uint8_t* data = nullptr;
  size_t length = 0;
  napi_typedarray_type type;
  size_t slots = 0;
  void* raw = nullptr;
  napi_value arrayBuffer;
  size_t offset = 0;
  if (argc < 4 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || !GetBytes(env, argv[1], &data, &length) ||
      napi_get_typedarray_info(env, argv[2], &type, &slots, &raw, &arrayBuffer, &offset) != napi_ok ||
      type != napi_int32_array || slots < 2 || napi_get_value_int32(env, argv[3], &room) != napi_ok || room <= 0) {
    napi_throw_type_error(env, nullptr, "readBatch(fd, Uint8Array, Int32Array, room)");
    return nullptr;
  }
  int32_t* lengths = static_cast<int32_t*>(raw);
  size_t used = 0;
  size_t count = 0;
  int32_t status = 0;
  while (count + 1 < slots && length - used >= static_cast<size_t>(room)) {
    ssize_t n;
    do n = ::read(fd, data + used, length - used);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      status = -errno;
      break;
    }
    if (n == 0) break;
    lengths[count++] = static_cast<int32_t>(n);
    used += static_cast<size_t>(n);
  }
  lengths[count] = status;
  napi_value result;
  CHECK_NAPI(env, napi_create_int32(env, static_cast<int32_t>(count), &result));
  return result;
}

// write(fd, frame): one write(2) of one whole frame. Returns bytes written or -errno.
napi_value Write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t fd = -1;
  uint8_t* data = nullptr;
  size_t length = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || !GetBytes(env, argv[1], &data, &length)) {
    napi_throw_type_error(env, nullptr, "write(fd, Uint8Array)");
    return nullptr;
  }
  ssize_t n;
  do n = ::write(fd, data, length);
  while (n < 0 && errno == EINTR);
  napi_value result;
  CHECK_NAPI(env, napi_create_int32(env, n < 0 ? -errno : static_cast<int32_t>(n), &result));
  return result;
}

napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, nullptr, "close(fd)");
    return nullptr;
  }
  if (::close(fd) != 0) return ThrowErrno(env, "close", errno);
  return nullptr;
}

// A poll watcher: libuv tells us when the fd is readable; we call the JS callback, which drains the
// fd with read() until -EAGAIN. Level-triggered, so a callback that stops early is called again.
struct Watcher {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  bool stopped;
};

void OnClosed(uv_handle_t* handle) {
  Watcher* watcher = static_cast<Watcher*>(handle->data);
  delete watcher;
}

void OnPoll(uv_poll_t* handle, int status, int events) {
  Watcher* watcher = static_cast<Watcher*>(handle->data);
  if (watcher->stopped) return;
  napi_env env = watcher->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, global, arg, ignored;
  napi_get_reference_value(env, watcher->callback, &callback);
  napi_get_global(env, &global);
  // A poll error (status < 0) is passed on as a negative number so the JS side can count it.
  napi_create_int32(env, status < 0 ? status : events, &arg);
  // napi_make_callback (not napi_call_function) so process.nextTick and promise jobs queued by the
  // callback run before control returns to libuv, as for any Node I/O callback.
  napi_status s = napi_make_callback(env, watcher->context, global, callback, 1, &arg, &ignored);
  if (s == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
  napi_close_handle_scope(env, scope);
}

void StopWatcher(Watcher* watcher) {
  if (watcher->stopped) return;
  watcher->stopped = true;
  uv_poll_stop(&watcher->handle);
  napi_delete_reference(watcher->env, watcher->callback);
  napi_async_destroy(watcher->env, watcher->context);
  uv_close(reinterpret_cast<uv_handle_t*>(&watcher->handle), OnClosed);
}

Watcher* GetWatcher(napi_env env, napi_value value) {
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok) return nullptr;
  return static_cast<Watcher*>(data);
}

napi_value Poll(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t fd = -1;
  napi_valuetype type = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &type);
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, nullptr, "poll(fd, onReadable)");
    return nullptr;
  }
  uv_loop_t* loop = nullptr;
  CHECK_NAPI(env, napi_get_uv_event_loop(env, &loop));
  Watcher* watcher = new Watcher();
  watcher->env = env;
  watcher->stopped = false;
  watcher->handle.data = watcher;
  int rc = uv_poll_init(loop, &watcher->handle, fd);
  if (rc != 0) {
    delete watcher;
    return ThrowErrno(env, "uv_poll_init", -rc);
  }
  napi_create_reference(env, argv[1], 1, &watcher->callback);
  napi_value resourceName;
  napi_create_string_utf8(env, "tinkernet:tap", NAPI_AUTO_LENGTH, &resourceName);
  napi_async_init(env, nullptr, resourceName, &watcher->context);
  rc = uv_poll_start(&watcher->handle, UV_READABLE, OnPoll);
  if (rc != 0) {
    StopWatcher(watcher);
    return ThrowErrno(env, "uv_poll_start", -rc);
  }
  napi_value external;
  // No finalizer: the watcher lives until stopPoll (the JS side always calls it on close); a
  // watcher dropped without stopPoll keeps calling its callback, which is the caller's bug to see.
  CHECK_NAPI(env, napi_create_external(env, watcher, nullptr, nullptr, &external));
  return external;
}

napi_value StopPoll(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Watcher* watcher = argc >= 1 ? GetWatcher(env, argv[0]) : nullptr;
  if (watcher == nullptr) {
    napi_throw_type_error(env, nullptr, "stopPoll(handle)");
    return nullptr;
  }
  StopWatcher(watcher);
  return nullptr;
}

// ref/unref: whether an open TAP keeps the Node.js process alive (like socket.ref/unref).
napi_value SetRef(napi_env env, napi_callback_info info, bool ref) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Watcher* watcher = argc >= 1 ? GetWatcher(env, argv[0]) : nullptr;
  if (watcher == nullptr) {
    napi_throw_type_error(env, nullptr, "ref/unref(handle)");
    return nullptr;
  }
  if (!watcher->stopped) {
    if (ref)
      uv_ref(reinterpret_cast<uv_handle_t*>(&watcher->handle));
    else
      uv_unref(reinterpret_cast<uv_handle_t*>(&watcher->handle));
  }
  return nullptr;
}

napi_value Ref(napi_env env, napi_callback_info info) { return SetRef(env, info, true); }
napi_value Unref(napi_env env, napi_callback_info info) { return SetRef(env, info, false); }

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"open", nullptr, Open, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"read", nullptr, Read, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"readBatch", nullptr, ReadBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"write", nullptr, Write, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"poll", nullptr, Poll, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stopPoll", nullptr, StopPoll, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"ref", nullptr, Ref, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unref", nullptr, Unref, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
