// Parameter parsing: defaults, canonical round trip of every key, unknown keys,
// malformed and out-of-range values, and the consistency of the key table.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "core/params.h"

namespace {

using tdcm::Error;
using tdcm::Params;
using tdcm::parse_params;
using tdcm::to_string;

// "a=1 b=2" -> {a: 1, b: 2}, asserting each key appears once.
std::map<std::string, std::string> split_canonical(const std::string &text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string token;
  while (in >> token) {
    const auto eq = token.find('=');
    EXPECT_NE(eq, std::string::npos) << token;
    const bool inserted = out.emplace(token.substr(0, eq), token.substr(eq + 1)).second;
    EXPECT_TRUE(inserted) << "key printed twice: " << token;
  }
  return out;
}

// Runs parse_params and returns the status and message of the Error it throws.
std::pair<tdcm_status, std::string> parse_error(const char *text) {
  try {
    parse_params(text);
  } catch (const Error &e) {
    return {e.status(), e.what()};
  }
  return {TDCM_OK, ""};
}

TEST(CoreParams, NullAndEmptyGiveDefaults) {
  const std::string defaults = to_string(Params{});
  EXPECT_EQ(to_string(parse_params(nullptr)), defaults);
  EXPECT_EQ(to_string(parse_params("")), defaults);
  EXPECT_EQ(to_string(parse_params("   \t \n ")), defaults);
  const Params p = parse_params(nullptr);
  EXPECT_EQ(p.algo, "tdcm");
  EXPECT_EQ(p.k, 5);
  EXPECT_EQ(p.embed_dim, 16);
  EXPECT_EQ(p.blocks, 4);
  EXPECT_DOUBLE_EQ(p.tau, 1.0);
  EXPECT_EQ(p.activation, "leaky_relu");
  EXPECT_TRUE(p.symmetric);
  EXPECT_EQ(p.device, "auto");
}

TEST(CoreParams, ParsesOnTopOfBase) {
  Params base;
  base.k = 7;
  base.hidden = 9;
  const Params p = parse_params("hidden=33", base);
  EXPECT_EQ(p.k, 7);
  EXPECT_EQ(p.hidden, 33);
}

// A non-default value for every key in the table, in parse_params' input form,
// and the canonical form to_string must print for it.
struct KeyValue {
  const char *key;
  const char *input;
  const char *canonical;
  // Keys the value needs beside it (e.g. an image augmentation needs input_shape); the
  // other keys are compared with the parameters these give.
  const char *with = "";
};

const std::vector<KeyValue> &non_default_values() {
  static const std::vector<KeyValue> values = {
      {"algo", "kmeans", "kmeans"},
      {"k", "3", "3"},
      {"embed_dim", "9", "9"},
      {"hidden", "33", "33"},
      {"blocks", "2", "2"},
      {"tau", "0.1", "0.1"},
      {"activation", "relu", "relu"},
      {"share_blocks", "no", "false"},
      {"beta", "0.25", "0.25"},
      {"gamma", "0", "0"},
      {"symmetric", "off", "false"},
      {"lr", "1e-3", "0.001"},
      {"weight_decay", "0.123456789012345678", "0.12345678901234568"},
      {"epochs", "7", "7"},
      {"batch_size", "64", "64"},
      {"seed", "18446744073709551615", "18446744073709551615"},
      {"device", "cuda:1", "cuda:1"},
      {"threads", "2", "2"},
      {"chunk_rows", "9", "9"},
      {"standardize", "1", "true"},
      {"n_init", "3", "3"},
      {"max_iter", "50", "50"},
      {"tol", "1e-06", "1e-06"},
      {"encoder", "mlp", "mlp"},
      {"metric", "shared", "shared"},
      {"shape_prior", "2.5", "2.5"},
      {"identity_probs", "off", "false"},
      {"collection", "family", "family"},
      {"family_rounds", "3", "3"},
      {"family_epochs", "12", "12"},
      {"family_lr", "0.01", "0.01"},
      {"covariance", "tied", "tied"},
      {"embed_norm", "dim", "dim"},
      {"init", "kmeans++", "kmeans++"},
      {"infer_blocks", "7", "7"},
      {"infer_tau", "0.5", "0.5"},
      {"infer_restarts", "3", "3"},
      {"restart_rows", "100", "100"},
      {"train_encoder", "no", "false"},
      {"input_shape", "1x028x28", "1x28x28"},
      {"aug_crop", "0.5", "0.5", "input_shape=1x28x28"},
      {"aug_shift", "2", "2", "input_shape=1x28x28"},
      {"aug_flip", "yes", "true", "input_shape=1x28x28"},
      {"aug_noise", "0.05", "0.05"},
      {"contrastive", "1", "1"},
      {"contrastive_tau", "0.2", "0.2"},
      {"pretrain_epochs", "3", "3"},
      {"separation", "0.5", "0.5"},
      {"reconstruction", "2", "2"},
  };
  return values;
}

// The table's keys that a parameter string stores: all but the pseudo-key preset, which
// only sets the others.
std::vector<tdcm::ParamSpec> stored_specs() {
  std::vector<tdcm::ParamSpec> specs;
  for (const tdcm::ParamSpec &s : tdcm::param_table()) {
    if (std::string(s.name) != "preset") specs.push_back(s);
  }
  return specs;
}

TEST(CoreParams, TestValuesCoverEveryKey) {
  std::set<std::string> covered;
  for (const KeyValue &kv : non_default_values()) covered.insert(kv.key);
  std::set<std::string> table;
  for (const tdcm::ParamSpec &s : stored_specs()) table.insert(s.name);
  EXPECT_EQ(covered, table) << "a key was added or removed: update non_default_values()";
}

TEST(CoreParams, EveryKeyRoundTripsThroughToString) {
  const auto defaults = split_canonical(to_string(Params{}));
  for (const KeyValue &kv : non_default_values()) {
    SCOPED_TRACE(kv.key);
    const std::string text = std::string(kv.with) + " " + kv.key + "=" + kv.input;
    const Params p = parse_params(text.c_str());
    const std::string printed = to_string(p);
    const auto fields = split_canonical(printed);
    ASSERT_EQ(fields.count(kv.key), 1u);
    EXPECT_EQ(fields.at(kv.key), kv.canonical);
    EXPECT_NE(fields.at(kv.key), defaults.at(kv.key)) << "test value equals the default";
    // Every other key keeps its value without this one: its default, or what `with` set.
    const auto others = split_canonical(to_string(parse_params(kv.with)));
    for (const auto &[key, value] : fields) {
      if (key != kv.key) {
        EXPECT_EQ(value, others.at(key)) << key;
      }
    }
    // The canonical text parses back to the same parameters.
    EXPECT_EQ(to_string(parse_params(printed.c_str())), printed);
  }
}

TEST(CoreParams, AllKeysAtOnceRoundTrip) {
  std::string text;
  for (const KeyValue &kv : non_default_values()) {
    text += std::string(kv.key) + "=" + kv.input + " ";
  }
  const Params p = parse_params(text.c_str());
  EXPECT_EQ(p.algo, "kmeans");
  EXPECT_EQ(p.k, 3);
  EXPECT_EQ(p.embed_dim, 9);
  EXPECT_EQ(p.hidden, 33);
  EXPECT_EQ(p.blocks, 2);
  EXPECT_EQ(p.tau, 0.1);
  EXPECT_EQ(p.activation, "relu");
  EXPECT_FALSE(p.share_blocks);
  EXPECT_EQ(p.beta, 0.25);
  EXPECT_EQ(p.gamma, 0.0);
  EXPECT_FALSE(p.symmetric);
  EXPECT_EQ(p.lr, 1e-3);
  EXPECT_EQ(p.weight_decay, 0.123456789012345678);
  EXPECT_EQ(p.epochs, 7);
  EXPECT_EQ(p.batch_size, 64);
  EXPECT_EQ(p.seed, 18446744073709551615ULL);
  EXPECT_EQ(p.device, "cuda:1");
  EXPECT_EQ(p.threads, 2);
  EXPECT_EQ(p.chunk_rows, 9);
  EXPECT_TRUE(p.standardize);
  EXPECT_EQ(p.n_init, 3);
  EXPECT_EQ(p.max_iter, 50);
  EXPECT_EQ(p.tol, 1e-6);

  const std::string printed = to_string(p);
  const Params back = parse_params(printed.c_str());
  EXPECT_EQ(to_string(back), printed);
  // Doubles read back bit-exactly.
  EXPECT_EQ(back.weight_decay, p.weight_decay);
  EXPECT_EQ(back.tau, p.tau);
  EXPECT_EQ(back.tol, p.tol);
  EXPECT_EQ(back.seed, p.seed);
}

TEST(CoreParams, ToStringListsKeysInTableOrder) {
  std::istringstream in(to_string(Params{}));
  std::string token;
  size_t i = 0;
  const auto table = stored_specs();
  while (in >> token) {
    ASSERT_LT(i, table.size());
    EXPECT_EQ(token.substr(0, token.find('=')), table[i].name);
    ++i;
  }
  EXPECT_EQ(i, table.size());
}

TEST(CoreParams, UnknownKeyIsNamed) {
  const auto [status, message] = parse_error("k=3 no_such_key=1");
  EXPECT_EQ(status, TDCM_ERR_UNKNOWN_PARAMETER);
  EXPECT_NE(message.find("no_such_key"), std::string::npos) << message;
  // Keys are case-sensitive.
  EXPECT_EQ(parse_error("K=3").first, TDCM_ERR_UNKNOWN_PARAMETER);
}

TEST(CoreParams, BadValuesNameTheirKey) {
  const std::vector<std::pair<const char *, const char *>> cases = {
      {"k=0", "k"},
      {"k=-2", "k"},
      {"k=3.5", "k"},
      {"k=", "k"},
      {"k=99999999999999999999999", "k"},
      {"tau=0", "tau"},
      {"tau=-1", "tau"},
      {"tau=nan", "tau"},
      {"tau=inf", "tau"},
      {"lr=abc", "lr"},
      {"lr=1e400", "lr"},
      {"lr=0.1x", "lr"},
      {"activation=tanh", "activation"},
      {"algo=dbscan", "algo"},
      {"device=gpu", "device"},
      {"device=cuda:x", "device"},
      {"symmetric=maybe", "symmetric"},
      {"standardize=2", "standardize"},
      {"seed=-1", "seed"},
      {"epochs=-1", "epochs"},
      {"blocks=0", "blocks"},
      {"beta=-0.5", "beta"},
      {"tol=2", "tol"},
      {"encoder=linear k=6 embed_dim=5", "embed_dim"},
      {"encoder=linear embed_dim=4", "embed_dim"},  // default k=5
      {"encoder=identity epochs=0 pretrain_epochs=1", "pretrain_epochs"},
      {"metric=euclid", "metric"},
      {"shape_prior=-1", "shape_prior"},
      {"identity_probs=maybe", "identity_probs"},
      {"collection=shared", "collection"},
      {"family_rounds=-1", "family_rounds"},
      {"family_lr=0", "family_lr"},
      {"covariance=diag", "covariance"},
      {"k=3 k=4", "k"},
      {"k", "k"},
      {"hidden=32 k", "k"},
      {"input_shape=28x28", "input_shape"},
      {"input_shape=0x28x28", "input_shape"},
      {"input_shape=1x28x28x1", "input_shape"},
      {"input_shape=1x-2x3", "input_shape"},
      {"input_shape=1x28x", "input_shape"},
      {"input_shape=1x+2x3", "input_shape"},
      {"input_shape=65536x65536x2", "input_shape"},
      {"encoder=cnn", "encoder"},
      {"encoder=lenet", "input_shape"},
      {"encoder=lenet input_shape=3x12x32", "input_shape"},
      {"aug_crop=0", "aug_crop"},
      {"aug_crop=1.5", "aug_crop"},
      {"aug_shift=-1", "aug_shift"},
      {"aug_noise=-0.1", "aug_noise"},
      {"aug_flip=2", "aug_flip"},
      {"aug_crop=0.5", "aug_crop"},
      {"aug_shift=1", "aug_shift"},
      {"aug_flip=true", "aug_flip"},
      {"contrastive=-1", "contrastive"},
      {"contrastive_tau=0", "contrastive_tau"},
      {"pretrain_epochs=-2", "pretrain_epochs"},
      {"contrastive=1 train_encoder=false", "contrastive"},
      {"pretrain_epochs=1 train_encoder=false", "pretrain_epochs"},
      {"separation=-1", "separation"},
      {"reconstruction=1 train_encoder=false", "reconstruction"},
  };
  for (const auto &[text, key] : cases) {
    SCOPED_TRACE(text);
    const auto [status, message] = parse_error(text);
    EXPECT_EQ(status, TDCM_ERR_BAD_PARAMETER) << message;
    EXPECT_NE(message.find(std::string("'") + key), std::string::npos) << message;
  }
}

TEST(CoreParams, EmbedDimBelowKIsFineForKMeans) {
  // The identity-row initial centroids only constrain TDCM.
  EXPECT_EQ(parse_params("algo=kmeans k=10 embed_dim=4").k, 10);
  EXPECT_EQ(parse_params("k=4 embed_dim=4").embed_dim, 4);
}

TEST(CoreParams, TableNamesUniqueAndDefaultsMatchParams) {
  const auto &table = tdcm::param_table();
  ASSERT_FALSE(table.empty());
  std::set<std::string> names;
  for (const tdcm::ParamSpec &s : table) {
    EXPECT_TRUE(names.insert(s.name).second) << "duplicate key " << s.name;
    ASSERT_NE(s.type, nullptr);
    ASSERT_NE(s.default_value, nullptr);
    ASSERT_NE(s.range, nullptr);
    ASSERT_NE(s.help, nullptr);
    EXPECT_GT(std::string(s.help).size(), 0u) << s.name;
    const std::set<std::string> types = {"int", "float", "bool", "enum", "string"};
    EXPECT_EQ(types.count(s.type), 1u) << s.name << " has type " << s.type;
  }
  EXPECT_EQ(table.back().name, std::string("preset"));
  const auto printed = split_canonical(to_string(Params{}));
  EXPECT_EQ(printed.size(), table.size() - 1);
  for (const tdcm::ParamSpec &s : stored_specs()) {
    ASSERT_EQ(printed.count(s.name), 1u) << s.name;
    EXPECT_EQ(printed.at(s.name), s.default_value) << s.name;
    // The table's default parses to the struct's default.
    const std::string one = std::string(s.name) + "=" + s.default_value;
    EXPECT_EQ(to_string(parse_params(one.c_str())), to_string(Params{})) << s.name;
  }
}

TEST(CoreParams, RuntimeKeys) {
  EXPECT_TRUE(tdcm::is_runtime_param("device"));
  EXPECT_TRUE(tdcm::is_runtime_param("threads"));
  EXPECT_TRUE(tdcm::is_runtime_param("chunk_rows"));
  EXPECT_FALSE(tdcm::is_runtime_param("k"));
  EXPECT_FALSE(tdcm::is_runtime_param("algo"));
  EXPECT_FALSE(tdcm::is_runtime_param("standardize"));
}

}  // namespace
