#pragma once
// Checkpoints: a model, optionally with everything needed to resume its training
// exactly (configuration, position in the run, optimizer state).
//
//   save_checkpoint("run.tcnn", trainer);                 // atomic (atomic_file.hpp)
//   ...
//   Checkpoint ck = load_checkpoint("run.tcnn");          // validated; CheckpointError
//   Model model = model_from_checkpoint(ck);
//   Trainer trainer(ctx, model, ck.training->config);
//   trainer.restore(*ck.training);                        // continues bit-exactly
//
// File format (version 1), every integer and float little-endian:
//
//   header, 32 bytes
//     0  magic     "TCNNCKPT"
//     8  u32       format version (1)
//    12  u32       flags: bit 0 = training state present; other bits zero
//    16  u64       payload size in bytes (the file is exactly 32 + this long)
//    24  u32       CRC-32 (zlib) of the payload
//    28  u32       CRC-32 of header bytes 0..27
//   payload: sections, each a 4-byte tag, a u64 length and that many bytes, in order
//     SPEC  u64 inputs, u32 layer count, per layer u8 kind then
//           dense: u64 units, u8 init | activation: u8 activation, f32 slope;
//           then u8 head
//     PARM  u64 count, count x f32 (each Dense layer's W row-major, then b)
//     and with the training flag:
//     CONF  u64 batch size, u64 epochs, u64 seed, u8 shuffle, u8 strategy,
//           u8 optimizer, f64 learning rate, momentum, beta1, beta2, epsilon,
//           weight decay, u8 schedule, u64 warm-up steps, u64 step epochs,
//           f64 gamma, f64 min lr
//     PROG  u64 epoch, batch, global step, dataset samples, f64 loss sum,
//           u64 correct, samples seen
//     OPTM  u64 optimizer steps, u32 buffer count, per buffer u64 count + f32s
//           (the parameters' packed order)
//
// The bytes depend only on the model, the optimizer state and the configuration —
// no time, host or thread count — so identical runs write identical files. Loading
// checks the size, magic, version, both checksums and every field before it trusts
// any of them, allocates nothing the file's length does not account for, and throws
// CheckpointError with the file name and what is wrong.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "trenchcoat/nn/layers.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::nn {

inline constexpr std::uint32_t kCheckpointVersion = 1;

class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Checkpoint {
  ModelSpec spec;
  std::vector<float> parameters;          // packed: ParameterLayout::pack order
  std::optional<TrainingState> training;  // absent in a model-only file
};

Checkpoint make_checkpoint(const Model& model);
Checkpoint make_checkpoint(const Trainer& trainer);

std::vector<std::uint8_t> encode_checkpoint(const Checkpoint& checkpoint);
// `source` names the bytes in error messages (a file name).
Checkpoint decode_checkpoint(std::span<const std::uint8_t> bytes, const std::string& source = "checkpoint");

// Atomic saves: the model and the trainer's state, or the model alone.
void save_checkpoint(const std::filesystem::path& path, const Trainer& trainer);
void save_model(const std::filesystem::path& path, const Model& model);
Checkpoint load_checkpoint(const std::filesystem::path& path);

// A model with the checkpoint's architecture and parameters.
Model model_from_checkpoint(const Checkpoint& checkpoint);
// Copies the checkpoint's parameters into an existing model; throws CheckpointError
// when the architectures differ ("holds 784-256-10 relu ..., the model is ...").
void load_parameters(const Checkpoint& checkpoint, Model& model);

}  // namespace trenchcoat::nn
