// `silica train/eval/predict` end to end on a small Fashion-MNIST-shaped data set made here:
// exact resume, and a clear error with status 2 (and nothing overwritten) for bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace fs = std::filesystem;

namespace {

struct CliRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

CliRun silica(const std::string& args) {
  std::string cmd = std::string(SILICA_CLI) + " " + args + " 2>&1";
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

void write_be32(std::ofstream& f, uint32_t v) {
  unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                        static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
  f.write(reinterpret_cast<char*>(b), 4);
}

// IDX files of n images (28x28, class-dependent patterns plus noise, so a model can learn)
// and n labels; `label_count` lets a test make the counts disagree.
void write_split(const fs::path& dir, const std::string& prefix, int n, int label_count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<unsigned char> labels(static_cast<size_t>(n));
  std::ofstream img(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary);
  write_be32(img, 0x00000803);
  write_be32(img, static_cast<uint32_t>(n));
  write_be32(img, 28);
  write_be32(img, 28);
  for (int i = 0; i < n; ++i) {
    labels[i] = static_cast<unsigned char>(rng() % 10);
    for (int p = 0; p < 28 * 28; ++p) {
      int row = p / 28;
      int v = (row / 3 == labels[i] ? 200 : 20) + static_cast<int>(rng() % 40);
      img.put(static_cast<char>(v));
    }
  }
  std::ofstream lab(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary);
  write_be32(lab, 0x00000801);
  write_be32(lab, static_cast<uint32_t>(label_count));
  for (int i = 0; i < label_count; ++i) lab.put(static_cast<char>(labels[static_cast<size_t>(i % n)]));
}

class TrainCli : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / ("silica-train-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
    data = root / "data";
    fs::create_directories(data);
    write_split(data, "train", 600, 600, 1);
    write_split(data, "t10k", 200, 200, 2);
  }
  void TearDown() override { fs::remove_all(root); }
  std::string common() const { return "--data-dir " + data.string() + " --device cpu --threads 2 "; }
  static std::string read(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  fs::path root, data;
};

}  // namespace

TEST_F(TrainCli, TrainsAndWritesItsRunFolder) {
  CliRun r = silica("train --model mlp --epochs 2 --batch-size 32 " + common() + "--out " + (root / "run").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.rfind("Using cpu (", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("Test accuracy"), std::string::npos);
  for (const char* f : {"metrics.jsonl", "curves.png", "checkpoint/model.safetensors",
                        "checkpoint/training_state.safetensors"})
    EXPECT_TRUE(fs::exists(root / "run" / f)) << f;
  std::string metrics = read(root / "run" / "metrics.jsonl");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 2);
  for (const char* key : {"\"epoch\"", "\"train_loss\"", "\"train_accuracy\"", "\"test_loss\"", "\"test_accuracy\"",
                          "\"seconds\"", "\"samples_per_second\""})
    EXPECT_NE(metrics.find(key), std::string::npos) << key;
  CliRun e = silica("eval --checkpoint " + (root / "run").string() + " --device cpu --data-dir " + data.string());
  ASSERT_EQ(e.status, 0) << e.output;
  EXPECT_NE(e.output.find("accuracy"), std::string::npos);
}

TEST_F(TrainCli, AnInterruptedRunResumesBitForBit) {
  auto losses = [](const std::string& jsonl) {  // everything but the timing fields
    std::string out;
    size_t pos = 0;
    while ((pos = jsonl.find("\"train_loss\"", pos)) != std::string::npos) {
      size_t end = jsonl.find("\"seconds\"", pos);
      out += jsonl.substr(pos, end - pos) + "\n";
      pos = end;
    }
    return out;
  };
  // With --augment too: its random crops and flips must continue where they stopped.
  for (const std::string extra : {"", "--augment "}) {
    SCOPED_TRACE("flags: " + extra);
    const std::string tag = extra.empty() ? "plain" : "augment";
    const std::string base = "train --model mlp --epochs 2 --batch-size 32 --seed 5 " + extra + common();
    CliRun whole = silica(base + "--out " + (root / (tag + "_whole")).string());
    ASSERT_EQ(whole.status, 0) << whole.output;
    // 600 / 32 = 19 steps per epoch: stop in the middle of the second epoch.
    CliRun part = silica(base + "--max-steps 27 --out " + (root / (tag + "_split")).string());
    ASSERT_EQ(part.status, 0) << part.output;
    EXPECT_NE(part.output.find("--resume"), std::string::npos);
    CliRun rest = silica("train --resume " + (root / (tag + "_split")).string() +
                         " --threads 2 --device cpu --data-dir " + data.string());
    ASSERT_EQ(rest.status, 0) << rest.output;
    EXPECT_EQ(extra.empty(), rest.output.find("randomly cropped and flipped") == std::string::npos) << rest.output;
    EXPECT_EQ(losses(read(root / (tag + "_whole") / "metrics.jsonl")),
              losses(read(root / (tag + "_split") / "metrics.jsonl")));
    EXPECT_EQ(read(root / (tag + "_whole") / "checkpoint" / "model.safetensors"),
              read(root / (tag + "_split") / "checkpoint" / "model.safetensors"));
    EXPECT_EQ(read(root / (tag + "_whole") / "checkpoint" / "training_state.safetensors"),
              read(root / (tag + "_split") / "checkpoint" / "training_state.safetensors"));
  }
  // A run resumes as it was started: turning augmentation on midway is refused, not ignored.
  CliRun mixed = silica("train --resume " + (root / "plain_split").string() + " --augment --device cpu --data-dir " +
                        data.string());
  EXPECT_EQ(mixed.status, 2) << mixed.output;
  EXPECT_NE(mixed.output.find("was trained without --augment"), std::string::npos) << mixed.output;
  // Augmentation changes what the model sees.
  EXPECT_NE(losses(read(root / "plain_whole" / "metrics.jsonl")), losses(read(root / "augment_whole" / "metrics.jsonl")));
}

TEST_F(TrainCli, BadInputGivesAClearErrorAndStatusTwo) {
  struct Bad {
    std::string args, expect;
  };
  std::vector<Bad> cases = {
      {"train --bogus", "unknown flag '--bogus'"},
      {"train --model vgg", "--model must be one of mlp, cnn, resnet"},
      {"train --epochs zero", "--epochs must be a whole number"},
      {"train --device nosuch:0 --data-dir " + data.string(), "no device 'nosuch:0'"},
      {"train --device cpu --data-dir " + (root / "missing").string(), "dataset-fashion-mnist"},
      {"eval --checkpoint " + (root / "nothing").string(), "no checkpoint in"},
      {"frobnicate", "unknown command 'frobnicate'"},
  };
  for (const Bad& b : cases) {
    CliRun r = silica(b.args);
    EXPECT_EQ(r.status, 2) << b.args << "\n" << r.output;
    EXPECT_NE(r.output.find(b.expect), std::string::npos) << b.args << "\n" << r.output;
  }
}

TEST_F(TrainCli, CorruptDataIsRejected) {
  // Truncated image file.
  fs::path img = data / "train-images-idx3-ubyte";
  std::string bytes = read(img);
  std::ofstream(img, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  CliRun r = silica("train --model mlp --epochs 1 " + common() + "--out " + (root / "run").string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("truncated"), std::string::npos) << r.output;
  // Image and label counts that disagree.
  write_split(data, "train", 600, 599, 1);
  r = silica("train --model mlp --epochs 1 " + common() + "--out " + (root / "run").string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("600"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(root / "run" / "checkpoint"));
}

TEST_F(TrainCli, CheckpointsAreNeverOverwrittenOrMisread) {
  fs::path run = root / "run";
  ASSERT_EQ(silica("train --model mlp --epochs 1 " + common() + "--out " + run.string()).status, 0);
  std::string weights = read(run / "checkpoint" / "model.safetensors");
  // A new run into the same folder is refused.
  CliRun again = silica("train --model mlp --epochs 1 " + common() + "--out " + run.string());
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.output.find("already holds a checkpoint"), std::string::npos) << again.output;
  EXPECT_EQ(read(run / "checkpoint" / "model.safetensors"), weights);
  // Resuming with another model is refused.
  CliRun other = silica("train --resume " + run.string() + " --model cnn --epochs 2 " + common());
  EXPECT_EQ(other.status, 2);
  EXPECT_NE(other.output.find("--model mlp"), std::string::npos) << other.output;
  // A corrupt checkpoint is reported, not trusted.
  std::ofstream(run / "checkpoint" / "model.safetensors", std::ios::binary | std::ios::trunc) << "garbage";
  CliRun corrupt = silica("eval --checkpoint " + run.string() + " --device cpu --data-dir " + data.string());
  EXPECT_EQ(corrupt.status, 2);
  EXPECT_NE(corrupt.output.find("model.safetensors"), std::string::npos) << corrupt.output;
}
