// Checkpoints: bit-exact round trips, byte-identical files from identical runs,
// resumed training equal to uninterrupted training, atomic saves, and rejection of
// truncated, corrupted, hostile, wrong-version and wrong-architecture files.

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/atomic_file.hpp"
#include "trenchcoat/nn/checkpoint.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::nn {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("trenchcoat-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    return names;
  }

 private:
  fs::path path_;
};

std::vector<std::uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void put_u32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put_u64(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint64_t get_u64(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(b[at + static_cast<std::size_t>(i)]) << (8 * i);
  return v;
}

// Recomputes both checksums after a deliberate edit, so the decoder's later checks
// (not the CRC) are what the test exercises: a hostile file, not a damaged one.
void reseal(std::vector<std::uint8_t>& b) {
  put_u64(b, 16, b.size() - 32);
  put_u32(b, 24, static_cast<std::uint32_t>(::crc32(0, b.data() + 32, static_cast<uInt>(b.size() - 32))));
  put_u32(b, 28, static_cast<std::uint32_t>(::crc32(0, b.data(), 28)));
}

std::string decode_error(const std::vector<std::uint8_t>& bytes) {
  try {
    decode_checkpoint(bytes, "test.ckpt");
  } catch (const CheckpointError& e) {
    return e.what();
  }
  return "";
}

TrainerConfig config(OptimizerKind kind) {
  TrainerConfig c;
  c.batch_size = 50;
  c.epochs = 3;
  c.seed = 99;
  c.optimizer.kind = kind;
  c.optimizer.learning_rate = kind == OptimizerKind::adam ? 0.003 : 0.05;
  c.optimizer.weight_decay = 5e-4;
  c.schedule.kind = ScheduleKind::cosine;
  c.schedule.warmup_steps = 3;
  return c;
}

// A trained model plus trainer at a mid-epoch position.
struct Trained {
  Context ctx{ContextOptions{.threads = 2}};
  Model model{parse_model_spec("12-16-8-4", "tanh"), 3};
  Trainer trainer;
  explicit Trained(OptimizerKind kind, const Dataset& data, int steps) : trainer(ctx, model, config(kind)) {
    int n = 0;
    trainer.fit(data, [&](const StepInfo&) { return ++n < steps; });
  }
};

const Dataset& blobs() {
  static const Dataset d = make_blobs(230, 12, 4, 0.8, 7);
  return d;
}

TEST(NnCheckpoint, RoundTripIsBitExact) {
  for (OptimizerKind kind : {OptimizerKind::sgd, OptimizerKind::nesterov, OptimizerKind::adam}) {
    Trained t(kind, blobs(), 7);
    const Checkpoint ck = make_checkpoint(t.trainer);
    const std::vector<std::uint8_t> bytes = encode_checkpoint(ck);
    const Checkpoint back = decode_checkpoint(bytes);
    EXPECT_EQ(back.spec, t.model.spec());
    ASSERT_EQ(back.parameters.size(), ck.parameters.size());
    EXPECT_EQ(std::memcmp(back.parameters.data(), ck.parameters.data(), ck.parameters.size() * 4), 0);
    ASSERT_TRUE(back.training.has_value());
    EXPECT_EQ(back.training->config, t.trainer.config());
    EXPECT_EQ(back.training->progress, t.trainer.progress());
    EXPECT_EQ(back.training->progress.batch, 2);  // 7 steps of 5 per epoch: epoch 1, batch 2
    EXPECT_EQ(back.training->optimizer_steps, 7);
    EXPECT_EQ(back.training->optimizer_state, ck.training->optimizer_state);
    EXPECT_EQ(encode_checkpoint(back), bytes);

    // Through a file, into a fresh model.
    TempDir dir;
    save_checkpoint(dir.path() / "run.tcnn", t.trainer);
    const Checkpoint loaded = load_checkpoint(dir.path() / "run.tcnn");
    const Model m = model_from_checkpoint(loaded);
    EXPECT_EQ(std::memcmp(m.parameters().data(), t.model.parameters().data(), m.parameters().size_bytes()), 0);
  }
}

TEST(NnCheckpoint, ModelOnlyFile) {
  TempDir dir;
  Model m(parse_model_spec("5-4-3", "gelu", Head::mse), 8);
  save_model(dir.path() / "m.tcnn", m);
  const Checkpoint ck = load_checkpoint(dir.path() / "m.tcnn");
  EXPECT_FALSE(ck.training.has_value());
  EXPECT_EQ(ck.spec, m.spec());
  Model other(parse_model_spec("5-4-3", "gelu", Head::mse), 9);
  load_parameters(ck, other);
  EXPECT_EQ(std::memcmp(m.parameters().data(), other.parameters().data(), m.parameters().size_bytes()), 0);
}

TEST(NnCheckpoint, IdenticalRunsWriteIdenticalBytes) {
  // Same seed and configuration, different thread counts: the same file, byte for byte.
  std::vector<std::uint8_t> files[2];
  int i = 0;
  for (int threads : {1, 3}) {
    Context ctx(ContextOptions{.threads = threads});
    Model m(parse_model_spec("12-16-8-4", "relu"), 3);
    Trainer t(ctx, m, config(OptimizerKind::nesterov));
    t.fit(blobs());
    files[i++] = encode_checkpoint(make_checkpoint(t));
  }
  EXPECT_EQ(files[0], files[1]);
}

TEST(NnCheckpoint, ResumeEqualsUninterruptedTraining) {
  for (OptimizerKind kind : {OptimizerKind::nesterov, OptimizerKind::adam}) {
    for (int stop_after : {3, 5, 8}) {  // mid-epoch, on an epoch boundary, mid-epoch again
      SCOPED_TRACE(std::string(optimizer_name(kind)) + " stop after " + std::to_string(stop_after));
      // Uninterrupted.
      Context ctx(ContextOptions{.threads = 2});
      Model full(parse_model_spec("12-16-8-4", "tanh"), 3);
      Trainer tf(ctx, full, config(kind));
      const std::vector<EpochMetrics> full_history = tf.fit(blobs());

      // Interrupted after `stop_after` steps, saved, and resumed in a new process's
      // worth of objects (and a different thread count).
      TempDir dir;
      {
        Context c1(ContextOptions{.threads = 1});
        Model part(parse_model_spec("12-16-8-4", "tanh"), 3);
        Trainer tp(c1, part, config(kind));
        int n = 0;
        tp.fit(blobs(), [&](const StepInfo&) { return ++n < stop_after; });
        save_checkpoint(dir.path() / "run.tcnn", tp);
      }
      const Checkpoint ck = load_checkpoint(dir.path() / "run.tcnn");
      Model resumed = model_from_checkpoint(ck);
      Context c3(ContextOptions{.threads = 3});
      Trainer tr(c3, resumed, ck.training->config);
      tr.restore(*ck.training);
      const std::vector<EpochMetrics> rest = tr.fit(blobs());
      EXPECT_TRUE(tr.finished());
      EXPECT_EQ(std::memcmp(full.parameters().data(), resumed.parameters().data(), full.parameters().size_bytes()), 0);
      EXPECT_EQ(encode_checkpoint(make_checkpoint(tf)), encode_checkpoint(make_checkpoint(tr)));
      // The epoch that was cut in two reports what the uninterrupted one did.
      EXPECT_EQ(rest.back().loss, full_history.back().loss);
      EXPECT_EQ(rest.back().accuracy, full_history.back().accuracy);
    }
  }
}

TEST(NnCheckpoint, RestoreChecksTheState) {
  Trained t(OptimizerKind::adam, blobs(), 4);
  TrainingState s = t.trainer.state();
  Context ctx(ContextOptions{.threads = 1});
  Model m(parse_model_spec("12-16-8-4", "tanh"), 3);
  Trainer sgd(ctx, m, config(OptimizerKind::sgd));
  EXPECT_THROW(sgd.restore(s), std::invalid_argument);
  Trainer adam(ctx, m, config(OptimizerKind::adam));
  s.optimizer_state[1].pop_back();
  EXPECT_THROW(adam.restore(s), std::invalid_argument);
  s = t.trainer.state();
  s.progress.batch = 1000;
  EXPECT_THROW(adam.restore(s), std::invalid_argument);
}

TEST(NnCheckpoint, EveryTruncationIsRejected) {
  Trained t(OptimizerKind::adam, blobs(), 2);
  const std::vector<std::uint8_t> good = encode_checkpoint(make_checkpoint(t.trainer));
  for (std::size_t len = 0; len < good.size(); len += (len < 64 ? 1 : 7)) {
    const std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len));
    const std::string msg = decode_error(cut);
    EXPECT_NE(msg.find("test.ckpt: "), std::string::npos) << len;
    EXPECT_TRUE(msg.find("truncated") != std::string::npos || msg.find("bad magic") != std::string::npos)
        << "length " << len << ": " << msg;
  }
  // Through the file loader, which reads the header first.
  TempDir dir;
  std::vector<std::uint8_t> cut(good.begin(), good.end() - 5);
  write_bytes(dir.path() / "cut.tcnn", cut);
  try {
    load_checkpoint(dir.path() / "cut.tcnn");
    ADD_FAILURE() << "a truncated file loaded";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cut.tcnn"), std::string::npos) << e.what();
  }
  std::vector<std::uint8_t> longer = good;
  longer.push_back(0);
  EXPECT_NE(decode_error(longer).find("unexpected data"), std::string::npos);
}

TEST(NnCheckpoint, EveryCorruptedByteIsRejected) {
  Trained t(OptimizerKind::nesterov, blobs(), 2);
  const std::vector<std::uint8_t> good = encode_checkpoint(make_checkpoint(t.trainer));
  for (std::size_t at = 0; at < good.size(); at += (at < 256 ? 1 : 13)) {
    std::vector<std::uint8_t> bad = good;
    bad[at] ^= 0x10;
    const std::string msg = decode_error(bad);
    EXPECT_FALSE(msg.empty()) << "flipping byte " << at << " went unnoticed";
  }
}

TEST(NnCheckpoint, WrongVersionAndMagic) {
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  std::vector<std::uint8_t> b = encode_checkpoint(make_checkpoint(m));
  std::vector<std::uint8_t> v2 = b;
  put_u32(v2, 8, 2);
  reseal(v2);
  EXPECT_NE(decode_error(v2).find("format version 2 is not supported (this build reads version 1)"),
            std::string::npos)
      << decode_error(v2);
  std::vector<std::uint8_t> magic = b;
  magic[0] = 'X';
  EXPECT_NE(decode_error(magic).find("not a trenchcoat checkpoint"), std::string::npos);
  std::vector<std::uint8_t> header = b;
  header[20] ^= 1;  // payload size, with the header CRC left stale
  EXPECT_NE(decode_error(header).find("corrupted header"), std::string::npos) << decode_error(header);
  std::vector<std::uint8_t> payload = b;
  payload.back() ^= 1;
  EXPECT_NE(decode_error(payload).find("corrupted payload"), std::string::npos);
}

TEST(NnCheckpoint, HostileFieldsAreRejectedWithoutHugeAllocations) {
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  const std::vector<std::uint8_t> b = encode_checkpoint(make_checkpoint(m));
  const std::size_t spec_len = get_u64(b, 36);
  const std::size_t parm = 32 + 12 + spec_len;  // the PARM section's tag

  std::vector<std::uint8_t> count = b;
  put_u64(count, parm + 12, std::uint64_t{1} << 60);  // 4 EiB of floats
  reseal(count);
  EXPECT_NE(decode_error(count).find("the parameters holds 1152921504606846976 values; the model needs 23"),
            std::string::npos)
      << decode_error(count);

  std::vector<std::uint8_t> section = b;
  put_u64(section, parm + 4, std::uint64_t{1} << 62);
  reseal(section);
  EXPECT_NE(decode_error(section).find("section PARM claims"), std::string::npos) << decode_error(section);

  std::vector<std::uint8_t> layers = b;
  put_u32(layers, 32 + 12 + 8, 2000000000u);
  reseal(layers);
  EXPECT_NE(decode_error(layers).find("lists 2000000000 layers"), std::string::npos) << decode_error(layers);

  std::vector<std::uint8_t> width = b;
  put_u64(width, 32 + 12 + 8 + 4 + 1, std::uint64_t{1} << 40);  // the first Dense layer's units
  reseal(width);
  EXPECT_NE(decode_error(width).find("invalid model"), std::string::npos) << decode_error(width);

  std::vector<std::uint8_t> nan = b;
  put_u32(nan, parm + 20, 0x7fc00000u);  // the first parameter
  reseal(nan);
  EXPECT_NE(decode_error(nan).find("is not finite"), std::string::npos) << decode_error(nan);

  std::vector<std::uint8_t> flags = b;
  put_u32(flags, 12, 1);  // claims training state that is not there
  reseal(flags);
  EXPECT_NE(decode_error(flags).find("section CONF is missing"), std::string::npos) << decode_error(flags);
}

TEST(NnCheckpoint, WrongArchitecture) {
  Model m(parse_model_spec("784-128-10", "relu"), 1);
  Model other(parse_model_spec("784-256-10", "relu"), 1);
  try {
    load_parameters(make_checkpoint(m), other);
    ADD_FAILURE() << "loaded into a different architecture";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("wrong architecture: the checkpoint holds 784-128-10 relu"),
              std::string::npos)
        << e.what();
  }
}

TEST(NnCheckpoint, SavesAreAtomic) {
  TempDir dir;
  const fs::path file = dir.path() / "model.tcnn";
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  save_model(file, m);
  const std::vector<std::uint8_t> before = read_bytes(file);

  // A crash after the new bytes are written but before they replace the old file.
  Model changed(parse_model_spec("4-3-2", "relu"), 2);
  const std::vector<std::uint8_t> next = encode_checkpoint(make_checkpoint(changed));
  EXPECT_THROW(write_file_atomically(file, next, [] { throw std::runtime_error("simulated crash"); }),
               std::runtime_error);
  EXPECT_EQ(read_bytes(file), before);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.tcnn"});  // no temporary left behind

  // Failures name the path.
  try {
    save_model(dir.path() / "missing" / "model.tcnn", m);
    ADD_FAILURE() << "saved into a missing directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing/model.tcnn"), std::string::npos) << e.what();
  }
  // The target being a directory: the rename fails, the directory stays.
  fs::create_directory(dir.path() / "adir");
  EXPECT_THROW(save_model(dir.path() / "adir", m), std::runtime_error);
  EXPECT_TRUE(fs::is_directory(dir.path() / "adir"));
  EXPECT_THROW(load_checkpoint(dir.path() / "nothing-here"), CheckpointError);

  save_model(file, changed);
  EXPECT_EQ(read_bytes(file), next);
}

}  // namespace
}  // namespace trenchcoat::nn
