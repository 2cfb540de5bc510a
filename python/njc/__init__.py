"""njc for Python: compile a neural network for this CPU and run it, over njc's C API (libnjc.so).

    import njc, numpy as np
    model = njc.compile("npc_brain.json")           # njc.Error, with njc's file:line:col message, if bad
    npc = model.instance()                          # own inputs, outputs and recurrent state
    probs, = npc.run(np.zeros(24, np.float32))      # one call; the state carries to the next
    npc.inputs[0][:] = obs; npc.run(); npc.outputs[0]   # zero-copy views for a real-time loop
    saved = npc.save_state(); ...; npc.restore_state(saved)

A tensor's array shape is its declared shape, with the model's batch in front when the batch is over 1.
Arrays are float32. Views (inputs, outputs, states) live in the instance's memory and keep it alive;
outputs are overwritten by the next run, so run() returns copies unless told copy=False.

libnjc.so is found next to an installed module, else through $NJC_LIBRARY, else by the loader's path.
"""
import ctypes
import os

import numpy as np

__all__ = ["Error", "Model", "Instance", "Swarm", "TensorInfo", "compile", "compile_text", "version"]

try:
    from . import _install
except ImportError:  # the source tree: no install paths
    _install = None

_OK = 0
_TARGETS = {"host": 0, "sse4": 1, "avx2": 2, "avx512": 3}
_INPUT, _OUTPUT, _STATE = 0, 1, 2


def _find_library():
    candidates = []
    if os.environ.get("NJC_LIBRARY"):
        candidates.append(os.environ["NJC_LIBRARY"])
    if _install is not None:
        here = os.path.dirname(os.path.abspath(__file__))
        candidates.append(os.path.normpath(os.path.join(here, _install.LIBRARY_DIR, _install.LIBRARY_NAME)))
        candidates.append(_install.LIBRARY_NAME)
    candidates.append("libnjc.so")
    errors = []
    for path in candidates:
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(str(e))
    raise ImportError("njc: cannot load libnjc.so (set NJC_LIBRARY to its path): " + "; ".join(errors))


class _Options(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("target", ctypes.c_int), ("opt_level", ctypes.c_int),
                ("tiered", ctypes.c_int), ("tuning_cache_path", ctypes.c_char_p),
                ("flush_denormals", ctypes.c_int), ("weights_anywhere", ctypes.c_int),
                ("max_memory_mib", ctypes.c_int64), ("code_cache_dir", ctypes.c_char_p)]


class _SwarmOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("capacity", ctypes.c_size_t), ("chunk", ctypes.c_size_t),
                ("threads", ctypes.c_size_t)]


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("rank", ctypes.c_size_t),
                ("dims", ctypes.POINTER(ctypes.c_int64)), ("elements", ctypes.c_size_t)]


def _declare(lib):
    P, S, I = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int
    FP = ctypes.POINTER(ctypes.c_float)
    signatures = {
        "njc_status_name": (ctypes.c_char_p, [I]),
        "njc_version_string": (ctypes.c_char_p, []),
        "njc_options_init": (None, [ctypes.POINTER(_Options)]),
        "njc_error_message": (ctypes.c_char_p, [P]),
        "njc_error_status": (I, [P]),
        "njc_error_destroy": (None, [P]),
        "njc_model_compile_file": (I, [ctypes.c_char_p, ctypes.POINTER(_Options), ctypes.POINTER(P),
                                       ctypes.POINTER(P)]),
        "njc_model_compile_memory": (I, [ctypes.c_char_p, S, ctypes.c_char_p, ctypes.c_char_p,
                                         ctypes.POINTER(_Options), ctypes.POINTER(P), ctypes.POINTER(P)]),
        "njc_model_destroy": (None, [P]),
        "njc_model_batch": (I, [P, ctypes.POINTER(ctypes.c_int64)]),
        "njc_model_tensor_count": (I, [P, I, ctypes.POINTER(S)]),
        "njc_model_tensor_info": (I, [P, I, S, ctypes.POINTER(_TensorInfo)]),
        "njc_instance_create": (I, [P, ctypes.POINTER(P)]),
        "njc_instance_clone": (I, [P, ctypes.POINTER(P)]),
        "njc_instance_destroy": (None, [P]),
        "njc_instance_input": (I, [P, S, ctypes.POINTER(FP), ctypes.POINTER(S)]),
        "njc_instance_output": (I, [P, S, ctypes.POINTER(FP), ctypes.POINTER(S)]),
        "njc_instance_state": (I, [P, S, ctypes.POINTER(FP), ctypes.POINTER(S)]),
        "njc_instance_run": (I, [P]),
        "njc_instance_reset": (I, [P]),
        "njc_instance_state_size": (I, [P, ctypes.POINTER(S)]),
        "njc_instance_save_state": (I, [P, FP, S]),
        "njc_instance_restore_state": (I, [P, FP, S]),
        "njc_swarm_options_init": (None, [ctypes.POINTER(_SwarmOptions)]),
        "njc_swarm_create": (I, [P, ctypes.POINTER(_SwarmOptions), ctypes.POINTER(P), ctypes.POINTER(P)]),
        "njc_swarm_destroy": (None, [P]),
        "njc_swarm_prepare": (I, [P, ctypes.POINTER(ctypes.c_uint32), S, ctypes.POINTER(FP), ctypes.POINTER(S),
                                  ctypes.POINTER(FP), ctypes.POINTER(S), ctypes.POINTER(S)]),
        "njc_swarm_run": (I, [P]),
        "njc_swarm_slot_state": (I, [P, S, ctypes.POINTER(FP), ctypes.POINTER(S)]),
        "njc_swarm_reset_slot": (I, [P, S]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


_lib = _declare(_find_library())
version = _lib.njc_version_string().decode()


class Error(Exception):
    """An njc error: .status is the C API's status name, str() the message njc's CLI prints."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _check(status, what):
    if status != _OK:
        raise Error(_lib.njc_status_name(status).decode(), f"{what}: {_lib.njc_status_name(status).decode()}")


class TensorInfo:
    """An input, output or state: its name, the shape of its arrays, and its element count."""

    def __init__(self, name, shape, elements):
        self.name, self.shape, self.elements = name, shape, elements

    def __repr__(self):
        return f"TensorInfo({self.name!r}, shape={self.shape})"


def _options(target, opt_level, tiered, tuning_cache, flush_denormals, weights_anywhere, code_cache=None):
    if target not in _TARGETS:
        raise ValueError(f"njc: target must be one of {', '.join(_TARGETS)}, not {target!r}")
    o = _Options()
    _lib.njc_options_init(ctypes.byref(o))
    o.target, o.opt_level, o.tiered = _TARGETS[target], int(opt_level), int(bool(tiered))
    o.tuning_cache_path = os.fsencode(tuning_cache) if tuning_cache else None
    o.flush_denormals, o.weights_anywhere = int(bool(flush_denormals)), int(bool(weights_anywhere))
    o.code_cache_dir = os.fsencode(code_cache) if code_cache else None
    return o


def _finish(status, handle, error):
    if status != _OK:
        message = _lib.njc_error_message(error).decode(errors="replace") if error else ""
        _lib.njc_error_destroy(error)
        raise Error(_lib.njc_status_name(status).decode(), message.rstrip("\n"))
    return Model(handle)


def compile(path, target="host", opt_level=3, tiered=False, tuning_cache=None, flush_denormals=True,
            weights_anywhere=False, code_cache=None):
    """Compiles a model file (njc JSON, an RTNeural model or graph IR) for this CPU; code_cache: a directory
    where compiled kernels are kept for the next compile of the same model (docs/runtime.md)."""
    o = _options(target, opt_level, tiered, tuning_cache, flush_denormals, weights_anywhere, code_cache)
    handle, error = ctypes.c_void_p(), ctypes.c_void_p()
    status = _lib.njc_model_compile_file(os.fsencode(path), ctypes.byref(o), ctypes.byref(handle),
                                         ctypes.byref(error))
    return _finish(status, handle, error)


def compile_text(text, name="<memory>", base_dir=".", **options):
    """Compiles model text held in memory (str or bytes); name labels error messages."""
    data = text.encode() if isinstance(text, str) else bytes(text)
    o = _options(options.pop("target", "host"), options.pop("opt_level", 3), options.pop("tiered", False),
                 options.pop("tuning_cache", None), options.pop("flush_denormals", True),
                 options.pop("weights_anywhere", False), options.pop("code_cache", None))
    if options:
        raise TypeError(f"njc.compile_text: unknown options {sorted(options)}")
    handle, error = ctypes.c_void_p(), ctypes.c_void_p()
    status = _lib.njc_model_compile_memory(data, len(data), name.encode(), os.fsencode(base_dir), ctypes.byref(o),
                                           ctypes.byref(handle), ctypes.byref(error))
    return _finish(status, handle, error)


class Model:
    """A compiled model: immutable, shareable between threads; instance() makes its users."""

    def __init__(self, handle):
        self._handle = handle
        batch = ctypes.c_int64()
        _check(_lib.njc_model_batch(handle, ctypes.byref(batch)), "njc_model_batch")
        self.batch = batch.value
        self.inputs, self.outputs, self.states = (self._describe(k) for k in (_INPUT, _OUTPUT, _STATE))

    def _describe(self, kind):
        count = ctypes.c_size_t()
        _check(_lib.njc_model_tensor_count(self._handle, kind, ctypes.byref(count)), "njc_model_tensor_count")
        infos = []
        for i in range(count.value):
            t = _TensorInfo()
            _check(_lib.njc_model_tensor_info(self._handle, kind, i, ctypes.byref(t)), "njc_model_tensor_info")
            dims = tuple(t.dims[d] for d in range(t.rank))
            shape = dims if self.batch == 1 else (self.batch,) + dims
            infos.append(TensorInfo(t.name.decode(), shape, t.elements))
        return infos

    def instance(self):
        return Instance(self)

    def __del__(self):
        if getattr(self, "_handle", None):
            _lib.njc_model_destroy(self._handle)
            self._handle = None


class Instance:
    """One user of a model (an NPC, a voice): its own inputs, outputs and state, zero at creation."""

    def __init__(self, model, _handle=None):
        self.model = model
        if _handle is None:
            _handle = ctypes.c_void_p()
            _check(_lib.njc_instance_create(model._handle, ctypes.byref(_handle)), "njc_instance_create")
        self._handle = _handle
        self.inputs = [self._view(_lib.njc_instance_input, i, t) for i, t in enumerate(model.inputs)]
        self.outputs = [self._view(_lib.njc_instance_output, i, t, writable=False)
                        for i, t in enumerate(model.outputs)]
        self.states = [self._view(_lib.njc_instance_state, i, t) for i, t in enumerate(model.states)]

    def _view(self, getter, index, info, writable=True):
        ptr, count = ctypes.POINTER(ctypes.c_float)(), ctypes.c_size_t()
        _check(getter(self._handle, index, ctypes.byref(ptr), ctypes.byref(count)), getter.__name__)
        if count.value == 0:
            return np.zeros(info.shape, np.float32)
        buffer = (ctypes.c_float * count.value).from_address(ctypes.addressof(ptr.contents))
        buffer._owner = self  # the view keeps the instance, and so its memory, alive
        view = np.frombuffer(buffer, dtype=np.float32).reshape(info.shape)
        view.flags.writeable = writable
        return view

    def run(self, *inputs, copy=True):
        """One call. With arrays (one per input, any layout castable to float32) they are copied in
        first; without, the inputs views are used as they are. Returns the outputs, as copies unless
        copy=False (then views that the next run overwrites)."""
        if inputs:
            if len(inputs) != len(self.inputs):
                raise ValueError(f"njc: the model takes {len(self.inputs)} inputs, got {len(inputs)}")
            for view, x, info in zip(self.inputs, inputs, self.model.inputs):
                x = np.asarray(x, dtype=np.float32)
                if x.size != info.elements:
                    raise ValueError(f"njc: input {info.name!r} takes {info.elements} values "
                                     f"(shape {info.shape}), got {x.size} (shape {x.shape})")
                if info.elements:
                    view.reshape(-1)[:] = x.reshape(-1)
        _check(_lib.njc_instance_run(self._handle), "njc_instance_run")
        return [o.copy() for o in self.outputs] if copy else list(self.outputs)

    def reset(self):
        """Zeroes the state, inputs and outputs, as at creation."""
        _check(_lib.njc_instance_reset(self._handle), "njc_instance_reset")

    def save_state(self):
        """Every state's values in one float32 array (the model's state order)."""
        n = ctypes.c_size_t()
        _check(_lib.njc_instance_state_size(self._handle, ctypes.byref(n)), "njc_instance_state_size")
        out = np.zeros(n.value, np.float32)
        _check(_lib.njc_instance_save_state(self._handle, out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                                            n.value), "njc_instance_save_state")
        return out

    def restore_state(self, saved):
        data = np.ascontiguousarray(saved, dtype=np.float32).reshape(-1)
        status = _lib.njc_instance_restore_state(self._handle, data.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                                                 data.size)
        if status != _OK:
            raise Error(_lib.njc_status_name(status).decode(),
                        f"njc: restore_state takes {sum(t.elements for t in self.model.states)} values, "
                        f"got {data.size}")

    def copy(self):
        """A snapshot: a new instance with the same inputs and state, sharing nothing with this one."""
        handle = ctypes.c_void_p()
        _check(_lib.njc_instance_clone(self._handle, ctypes.byref(handle)), "njc_instance_clone")
        return Instance(self.model, handle)

    __copy__ = copy

    def __del__(self):
        if getattr(self, "_handle", None):
            _lib.njc_instance_destroy(self._handle)
            self._handle = None


class Swarm:
    """Many NPCs of one model per call (njc_swarm_*): a state slot per NPC, batched kernels, threads.

        swarm = njc.Swarm(model, capacity=1000, threads=0)      # 0 threads: one per CPU
        actions, = swarm.run([3, 17, 42], observations)         # rows of observations: the NPCs in order
    """

    def __init__(self, model, capacity, chunk=48, threads=1):
        self.model = model
        o = _SwarmOptions()
        _lib.njc_swarm_options_init(ctypes.byref(o))
        o.capacity, o.chunk, o.threads = int(capacity), int(chunk), int(threads)
        handle, error = ctypes.c_void_p(), ctypes.c_void_p()
        status = _lib.njc_swarm_create(model._handle, ctypes.byref(o), ctypes.byref(handle), ctypes.byref(error))
        if status != _OK:
            message = _lib.njc_error_message(error).decode(errors="replace") if error else ""
            _lib.njc_error_destroy(error)
            raise Error(_lib.njc_status_name(status).decode(), message.rstrip("\n"))
        self._handle = handle
        self.capacity = int(capacity)

    def run(self, slots, *inputs):
        """One call for the NPCs in `slots` (distinct slot numbers); inputs[i] holds their rows in that
        order (any shape with len(slots) rows). Returns each output as an array of len(slots) rows."""
        slots = np.ascontiguousarray(slots, dtype=np.uint32).reshape(-1)
        n = slots.size
        if len(inputs) != len(self.model.inputs):
            raise ValueError(f"njc: the model takes {len(self.model.inputs)} inputs, got {len(inputs)}")
        rows_in = []
        for x, info in zip(inputs, self.model.inputs):
            x = np.ascontiguousarray(x, dtype=np.float32)
            if x.size != n * info.elements:
                raise ValueError(f"njc: input {info.name!r} needs {n} rows of {info.elements} values, "
                                 f"got {x.size} values")
            rows_in.append(x)
        outs = [np.zeros((n,) + tuple(info.shape), np.float32) for info in self.model.outputs]
        FP = ctypes.POINTER(ctypes.c_float)
        in_ptrs = (FP * max(1, len(rows_in)))(*[x.ctypes.data_as(FP) for x in rows_in])
        out_ptrs = (FP * max(1, len(outs)))(*[y.ctypes.data_as(FP) for y in outs])
        in_strides = (ctypes.c_size_t * max(1, len(rows_in)))(*[i.elements for i in self.model.inputs])
        out_strides = (ctypes.c_size_t * max(1, len(outs)))(*[o.elements for o in self.model.outputs])
        status = _lib.njc_swarm_prepare(self._handle, slots.ctypes.data_as(ctypes.POINTER(ctypes.c_uint32)), n,
                                        in_ptrs, in_strides, out_ptrs, out_strides, None)
        if status != _OK:
            raise Error(_lib.njc_status_name(status).decode(),
                        f"njc: swarm call refused: slots must be distinct and below {self.capacity}")
        _check(_lib.njc_swarm_run(self._handle), "njc_swarm_run")
        return outs

    def slot_state(self, slot):
        """A writable view of one slot's state (the model's states, in order)."""
        ptr, count = ctypes.POINTER(ctypes.c_float)(), ctypes.c_size_t()
        _check(_lib.njc_swarm_slot_state(self._handle, slot, ctypes.byref(ptr), ctypes.byref(count)),
               "njc_swarm_slot_state")
        if count.value == 0:
            return np.zeros(0, np.float32)
        buffer = (ctypes.c_float * count.value).from_address(ctypes.addressof(ptr.contents))
        buffer._owner = self
        return np.frombuffer(buffer, dtype=np.float32)

    def reset_slot(self, slot):
        _check(_lib.njc_swarm_reset_slot(self._handle, slot), "njc_swarm_reset_slot")

    def __del__(self):
        if getattr(self, "_handle", None):
            _lib.njc_swarm_destroy(self._handle)
            self._handle = None
