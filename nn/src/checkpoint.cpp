#include "trenchcoat/nn/checkpoint.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>

#include "byte_io.hpp"
#include "trenchcoat/nn/atomic_file.hpp"

namespace trenchcoat::nn {
namespace {

using detail::ByteReader;
using detail::ByteWriter;

constexpr std::array<std::uint8_t, 8> kMagic = {'T', 'C', 'N', 'N', 'C', 'K', 'P', 'T'};
constexpr std::size_t kHeaderBytes = 32;
constexpr std::uint32_t kFlagTraining = 1;

using Tag = std::array<char, 4>;
constexpr Tag kSpec = {'S', 'P', 'E', 'C'};
constexpr Tag kParams = {'P', 'A', 'R', 'M'};
constexpr Tag kConfig = {'C', 'O', 'N', 'F'};
constexpr Tag kProgress = {'P', 'R', 'O', 'G'};
constexpr Tag kOptimizer = {'O', 'P', 'T', 'M'};

std::uint32_t crc32_of(std::span<const std::uint8_t> bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; feed it in chunks far below that limit.
  constexpr std::size_t kChunk = std::size_t{1} << 30;
  for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, bytes.size() - at);
    crc = ::crc32(crc, bytes.data() + at, static_cast<uInt>(n));
  }
  return static_cast<std::uint32_t>(crc);
}

// ---- writing -------------------------------------------------------------------

// Writes a section's tag and a length placeholder; finish() patches the length.
class Section {
 public:
  Section(ByteWriter& w, const Tag& tag) : w_(w) {
    for (char c : tag) w_.u8(static_cast<std::uint8_t>(c));
    at_ = w_.size();
    w_.u64(0);
  }
  ~Section() { w_.patch_u64(at_, w_.size() - at_ - 8); }
  Section(const Section&) = delete;
  Section& operator=(const Section&) = delete;

 private:
  ByteWriter& w_;
  std::size_t at_;
};

void write_spec(ByteWriter& w, const ModelSpec& spec) {
  Section s(w, kSpec);
  w.i64(spec.inputs);
  w.u32(static_cast<std::uint32_t>(spec.layers.size()));
  for (const LayerSpec& l : spec.layers) {
    w.u8(static_cast<std::uint8_t>(l.kind));
    if (l.kind == LayerKind::dense) {
      w.i64(l.units);
      w.u8(static_cast<std::uint8_t>(l.init));
    } else {
      w.u8(static_cast<std::uint8_t>(l.activation.kind));
      w.f32(l.activation.slope);
    }
  }
  w.u8(static_cast<std::uint8_t>(spec.head));
}

void write_training(ByteWriter& w, const TrainingState& t) {
  {
    Section s(w, kConfig);
    const TrainerConfig& c = t.config;
    w.i64(c.batch_size);
    w.i64(c.epochs);
    w.u64(c.seed);
    w.u8(c.shuffle ? 1 : 0);
    w.u8(static_cast<std::uint8_t>(c.strategy));
    w.u8(static_cast<std::uint8_t>(c.optimizer.kind));
    w.f64(c.optimizer.learning_rate);
    w.f64(c.optimizer.momentum);
    w.f64(c.optimizer.beta1);
    w.f64(c.optimizer.beta2);
    w.f64(c.optimizer.epsilon);
    w.f64(c.optimizer.weight_decay);
    w.u8(static_cast<std::uint8_t>(c.schedule.kind));
    w.i64(c.schedule.warmup_steps);
    w.i64(c.schedule.step_epochs);
    w.f64(c.schedule.gamma);
    w.f64(c.schedule.min_lr);
  }
  {
    Section s(w, kProgress);
    const TrainingProgress& p = t.progress;
    w.i64(p.epoch);
    w.i64(p.batch);
    w.i64(p.global_step);
    w.i64(p.dataset_samples);
    w.f64(p.loss_sum);
    w.i64(p.correct);
    w.i64(p.samples_seen);
  }
  {
    Section s(w, kOptimizer);
    w.i64(t.optimizer_steps);
    w.u32(static_cast<std::uint32_t>(t.optimizer_state.size()));
    for (const auto& buf : t.optimizer_state) {
      w.u64(buf.size());
      w.floats(buf);
    }
  }
}

// ---- reading -------------------------------------------------------------------

class Decoder {
 public:
  Decoder(std::span<const std::uint8_t> payload, std::string source) : r_(payload), source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& what) const { throw CheckpointError(source_ + ": " + what); }

  // Enters the next section, which must be `tag`; returns a reader over its bytes.
  ByteReader section(const Tag& tag) {
    const std::string name(tag.begin(), tag.end());
    if (r_.remaining() < 12) fail("truncated: section " + name + " is missing");
    const auto got = r_.bytes(4);
    if (!std::equal(got.begin(), got.end(), tag.begin(), [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); })) {
      fail("expected section " + name + " at payload offset " + std::to_string(r_.position() - 4) +
           ", found something else (corrupt or not a trenchcoat checkpoint)");
    }
    const std::uint64_t len = r_.u64();
    if (len > r_.remaining()) {
      fail("section " + name + " claims " + std::to_string(len) + " bytes, only " + std::to_string(r_.remaining()) +
           " remain");
    }
    return ByteReader(r_.bytes(static_cast<std::size_t>(len)));
  }

  void expect_end() const {
    if (r_.remaining() != 0) fail(std::to_string(r_.remaining()) + " unexpected bytes after the last section");
  }

  // Runs `read` on a section's reader, turning a short read into a clear message,
  // and insists that the section is consumed exactly.
  template <class F>
  void read_section(const Tag& tag, const F& read) {
    ByteReader s = section(tag);
    const std::string name(tag.begin(), tag.end());
    try {
      read(s);
    } catch (const detail::ReadPastEnd& e) {
      fail("section " + name + " is too short: " + e.what());
    }
    if (s.remaining() != 0) fail("section " + name + " has " + std::to_string(s.remaining()) + " extra bytes");
  }

  // Reads a float array whose length the section records; the length is checked
  // against the bytes present before anything is allocated.
  std::vector<float> float_array(ByteReader& s, const std::string& what, std::int64_t expected) const {
    const std::uint64_t count = s.u64();
    if (count != static_cast<std::uint64_t>(expected)) {
      fail(what + " holds " + std::to_string(count) + " values; the model needs " + std::to_string(expected));
    }
    if (count > s.remaining() / 4) fail("truncated: " + what + " needs " + std::to_string(count * 4) + " bytes");
    std::vector<float> v(static_cast<std::size_t>(count));
    s.floats(v);
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!std::isfinite(v[i])) fail(what + " value " + std::to_string(i) + " is not finite");
    }
    return v;
  }

 private:
  ByteReader r_;
  std::string source_;
};

ModelSpec read_spec(Decoder& d) {
  ModelSpec spec;
  d.read_section(kSpec, [&](ByteReader& s) {
    spec.inputs = s.i64();
    const std::uint32_t layers = s.u32();
    if (layers == 0 || layers > kMaxLayers) d.fail("the model spec lists " + std::to_string(layers) + " layers");
    for (std::uint32_t i = 0; i < layers; ++i) {
      LayerSpec l;
      const std::uint8_t kind = s.u8();
      if (kind > static_cast<std::uint8_t>(LayerKind::activation)) {
        d.fail("layer " + std::to_string(i) + " has unknown kind " + std::to_string(kind));
      }
      l.kind = static_cast<LayerKind>(kind);
      if (l.kind == LayerKind::dense) {
        l.units = s.i64();
        const std::uint8_t init = s.u8();
        if (init > static_cast<std::uint8_t>(Init::xavier_uniform)) d.fail("layer " + std::to_string(i) + " has an unknown init");
        l.init = static_cast<Init>(init);
      } else {
        const std::uint8_t act = s.u8();
        if (act >= std::size(kAllActivations)) d.fail("layer " + std::to_string(i) + " has unknown activation " + std::to_string(act));
        l.activation.kind = static_cast<Activation>(act);
        l.activation.slope = s.f32();
      }
      spec.layers.push_back(l);
    }
    const std::uint8_t head = s.u8();
    if (head > static_cast<std::uint8_t>(Head::mse)) d.fail("unknown head " + std::to_string(head));
    spec.head = static_cast<Head>(head);
  });
  try {
    spec.validate();
  } catch (const std::invalid_argument& e) {
    d.fail(std::string("invalid model: ") + e.what());
  }
  return spec;
}

TrainingState read_training(Decoder& d, std::int64_t parameter_count) {
  TrainingState t;
  d.read_section(kConfig, [&](ByteReader& s) {
    TrainerConfig& c = t.config;
    c.batch_size = s.i64();
    c.epochs = s.i64();
    c.seed = s.u64();
    const std::uint8_t shuffle = s.u8();
    const std::uint8_t strategy = s.u8();
    const std::uint8_t optimizer = s.u8();
    if (shuffle > 1) d.fail("bad shuffle flag");
    if (strategy > static_cast<std::uint8_t>(Strategy::op_parallel)) d.fail("unknown strategy");
    if (optimizer > static_cast<std::uint8_t>(OptimizerKind::adamw)) d.fail("unknown optimizer");
    c.shuffle = shuffle == 1;
    c.strategy = static_cast<Strategy>(strategy);
    c.optimizer.kind = static_cast<OptimizerKind>(optimizer);
    c.optimizer.learning_rate = s.f64();
    c.optimizer.momentum = s.f64();
    c.optimizer.beta1 = s.f64();
    c.optimizer.beta2 = s.f64();
    c.optimizer.epsilon = s.f64();
    c.optimizer.weight_decay = s.f64();
    const std::uint8_t schedule = s.u8();
    if (schedule > static_cast<std::uint8_t>(ScheduleKind::cosine)) d.fail("unknown schedule");
    c.schedule.kind = static_cast<ScheduleKind>(schedule);
    c.schedule.warmup_steps = s.i64();
    c.schedule.step_epochs = s.i64();
    c.schedule.gamma = s.f64();
    c.schedule.min_lr = s.f64();
  });
  try {
    t.config.validate();
  } catch (const std::invalid_argument& e) {
    d.fail(std::string("invalid training configuration: ") + e.what());
  }
  d.read_section(kProgress, [&](ByteReader& s) {
    TrainingProgress& p = t.progress;
    p.epoch = s.i64();
    p.batch = s.i64();
    p.global_step = s.i64();
    p.dataset_samples = s.i64();
    p.loss_sum = s.f64();
    p.correct = s.i64();
    p.samples_seen = s.i64();
    if (p.epoch < 0 || p.batch < 0 || p.global_step < 0 || p.dataset_samples < 0 || p.correct < 0 ||
        p.samples_seen < 0 || !std::isfinite(p.loss_sum)) {
      d.fail("the training progress holds negative or non-finite counters");
    }
  });
  d.read_section(kOptimizer, [&](ByteReader& s) {
    t.optimizer_steps = s.i64();
    if (t.optimizer_steps < 0) d.fail("negative optimizer step count");
    const std::uint32_t buffers = s.u32();
    const std::uint32_t expected = Optimizer(t.config.optimizer, 0).state_count();
    if (buffers != expected) {
      d.fail("the " + std::string(optimizer_name(t.config.optimizer.kind)) + " optimizer keeps " +
             std::to_string(expected) + " state buffers, the file holds " + std::to_string(buffers));
    }
    for (std::uint32_t i = 0; i < buffers; ++i) {
      t.optimizer_state.push_back(d.float_array(s, "optimizer state buffer " + std::to_string(i), parameter_count));
    }
  });
  return t;
}

std::string describe_bytes(std::uint64_t n) { return std::to_string(n) + " byte" + (n == 1 ? "" : "s"); }

struct Header {
  std::uint32_t flags = 0;
  std::uint64_t payload_size = 0;
  std::uint32_t payload_crc = 0;
};

// Validates the 32-byte header at the start of `bytes` (which may hold more) for a
// file of `total_size` bytes: magic, version, header checksum, flags, and the
// payload size against what the file really holds.
Header read_header(std::span<const std::uint8_t> bytes, std::uint64_t total_size, const std::string& source) {
  auto fail = [&](const std::string& what) { throw CheckpointError(source + ": " + what); };
  // The magic first, over whatever prefix is there: a short file of something else
  // is "not a checkpoint", not a truncated one.
  const std::size_t prefix = std::min(bytes.size(), kMagic.size());
  if (!std::equal(kMagic.begin(), kMagic.begin() + static_cast<std::ptrdiff_t>(prefix), bytes.begin())) {
    fail("not a trenchcoat checkpoint (bad magic)");
  }
  if (total_size < kHeaderBytes || bytes.size() < kHeaderBytes) {
    fail("truncated: " + describe_bytes(total_size) + ", shorter than the " + std::to_string(kHeaderBytes) +
         "-byte header");
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), bytes.begin())) fail("not a trenchcoat checkpoint (bad magic)");
  ByteReader h(bytes.first(kHeaderBytes));
  h.bytes(8);
  const std::uint32_t version = h.u32();
  Header out;
  out.flags = h.u32();
  out.payload_size = h.u64();
  out.payload_crc = h.u32();
  const std::uint32_t header_crc = h.u32();
  if (version != kCheckpointVersion) {
    fail("format version " + std::to_string(version) + " is not supported (this build reads version " +
         std::to_string(kCheckpointVersion) + ")");
  }
  if (header_crc != crc32_of(bytes.first(28))) fail("corrupted header (checksum mismatch)");
  if ((out.flags & ~kFlagTraining) != 0) fail("unknown flags " + std::to_string(out.flags));
  const std::uint64_t present = total_size - kHeaderBytes;
  if (out.payload_size > present) {
    fail("truncated: the header promises " + describe_bytes(out.payload_size) + " of payload, the file holds " +
         describe_bytes(present));
  }
  if (out.payload_size < present) fail(describe_bytes(present - out.payload_size) + " of unexpected data after the payload");
  return out;
}

}  // namespace

Checkpoint make_checkpoint(const Model& model) {
  Checkpoint ck;
  ck.spec = model.spec();
  ck.parameters.resize(static_cast<std::size_t>(model.layout().parameter_count()));
  model.layout().pack(model.parameters(), ck.parameters);
  return ck;
}

Checkpoint make_checkpoint(const Trainer& trainer) {
  Checkpoint ck = make_checkpoint(trainer.model());
  ck.training = trainer.state();
  return ck;
}

std::vector<std::uint8_t> encode_checkpoint(const Checkpoint& ck) {
  ck.spec.validate();
  const ParameterLayout layout(ck.spec);
  if (static_cast<std::int64_t>(ck.parameters.size()) != layout.parameter_count()) {
    throw std::invalid_argument("checkpoint: " + std::to_string(ck.parameters.size()) + " parameters for a model of " +
                                std::to_string(layout.parameter_count()));
  }
  ByteWriter w;
  w.bytes(kMagic);
  w.u32(kCheckpointVersion);
  w.u32(ck.training ? kFlagTraining : 0);
  w.u64(0);  // payload size, patched below
  w.u32(0);  // payload CRC
  w.u32(0);  // header CRC
  write_spec(w, ck.spec);
  {
    Section s(w, kParams);
    w.u64(ck.parameters.size());
    w.floats(ck.parameters);
  }
  if (ck.training) write_training(w, *ck.training);

  // Taken out of the writer, so that it is returned as a local (no copy, no std::move).
  std::vector<std::uint8_t> out = std::move(w.buffer());
  const std::span<const std::uint8_t> payload(out.data() + kHeaderBytes, out.size() - kHeaderBytes);
  ByteWriter header;
  header.u64(payload.size());
  header.u32(crc32_of(payload));
  std::copy(header.buffer().begin(), header.buffer().end(), out.begin() + 16);
  ByteWriter header_crc;
  header_crc.u32(crc32_of(std::span<const std::uint8_t>(out.data(), 28)));
  std::copy(header_crc.buffer().begin(), header_crc.buffer().end(), out.begin() + 28);
  return out;
}

Checkpoint decode_checkpoint(std::span<const std::uint8_t> bytes, const std::string& source) {
  const Header header = read_header(bytes, bytes.size(), source);
  const auto payload = bytes.subspan(kHeaderBytes);
  if (crc32_of(payload) != header.payload_crc) {
    throw CheckpointError(source + ": corrupted payload (checksum mismatch)");
  }
  Decoder d(payload, source);
  Checkpoint ck;
  ck.spec = read_spec(d);
  const std::int64_t count = ParameterLayout(ck.spec).parameter_count();
  d.read_section(kParams, [&](ByteReader& s) { ck.parameters = d.float_array(s, "the parameters", count); });
  if ((header.flags & kFlagTraining) != 0) ck.training = read_training(d, count);
  d.expect_end();
  return ck;
}

void save_checkpoint(const std::filesystem::path& path, const Trainer& trainer) {
  write_file_atomically(path, encode_checkpoint(make_checkpoint(trainer)));
}

void save_model(const std::filesystem::path& path, const Model& model) {
  write_file_atomically(path, encode_checkpoint(make_checkpoint(model)));
}

Checkpoint load_checkpoint(const std::filesystem::path& path) {
  const std::string source = path.string();
  struct Close {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Close> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    const int err = errno;
    throw CheckpointError("cannot open " + source + ": " + std::generic_category().message(err));
  }
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw CheckpointError("cannot read " + source + ": " + ec.message());
  // Read and check the header before allocating for the rest: a big file that is
  // not a checkpoint, or one whose size disagrees with its header, is rejected
  // after 32 bytes.
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(std::min<std::uintmax_t>(size, kHeaderBytes)));
  if (std::fread(bytes.data(), 1, bytes.size(), file.get()) != bytes.size()) {
    const int err = errno;
    throw CheckpointError("cannot read " + source + ": " + std::generic_category().message(err));
  }
  read_header(bytes, size, source);
  bytes.resize(static_cast<std::size_t>(size));
  if (std::fread(bytes.data() + kHeaderBytes, 1, bytes.size() - kHeaderBytes, file.get()) !=
      bytes.size() - kHeaderBytes) {
    throw CheckpointError("cannot read " + source + ": the file changed while it was read");
  }
  return decode_checkpoint(bytes, source);
}

Model model_from_checkpoint(const Checkpoint& ck) {
  Model model(ck.spec, 0);
  load_parameters(ck, model);
  return model;
}

void load_parameters(const Checkpoint& ck, Model& model) {
  if (!(ck.spec == model.spec())) {
    throw CheckpointError("wrong architecture: the checkpoint holds " + ck.spec.describe() + ", the model is " +
                          model.spec().describe());
  }
  if (static_cast<std::int64_t>(ck.parameters.size()) != model.layout().parameter_count()) {
    throw CheckpointError("the checkpoint holds " + std::to_string(ck.parameters.size()) + " parameters, the model " +
                          std::to_string(model.layout().parameter_count()));
  }
  model.layout().unpack(ck.parameters, model.parameters());
}

}  // namespace trenchcoat::nn
