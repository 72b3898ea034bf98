// The Gaussian mixtures in a model file: a file whose mixture is not a valid
// one (a covariance that is not positive definite, a weight that is not
// positive, parts missing) is a bad file, not a model. Files are crafted
// through the serialisation API, so that their checksum is right and only
// the model's own checks can catch them.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/params.h"
#include "core/runtime.h"
#include "core/serialize.h"
#include "core_test_util.h"
#include "data/synth.h"

namespace {

using tdcm::Model;
using tdcm::ModelFile;
using tdcm_test::error_of;
using tdcm_test::TempDir;

tdcm::data::DriftPair p1() {
  tdcm::data::DriftSpec spec;
  spec.k = 3;
  spec.d = 2;
  spec.n_per_cluster = 100;
  spec.seed = 1;
  return tdcm::data::make_drift_pair(spec);
}

// A model of `params` fitted on the P1 source (and adapted to its target
// when `adapt`), saved and read back as a file.
ModelFile saved(const char *params, bool adapt, const TempDir &dir) {
  const tdcm::data::DriftPair p = p1();
  Model m(tdcm::parse_params(params));
  m.fit(p.source.x.data(), p.source.rows, 2, nullptr, {});
  if (adapt) m.adapt(p.target.x.data(), p.target.rows, 2);
  const std::string path = dir.file("good.tdcm");
  m.save(path);
  return tdcm::read_model_file(path);
}

at::Tensor &tensor(ModelFile &file, const std::string &name) {
  for (auto &[n, t] : file.tensors) {
    if (n == name) return t;
  }
  ADD_FAILURE() << "no tensor " << name;
  static at::Tensor none;
  return none;
}

void erase(ModelFile &file, const std::string &name) {
  for (auto it = file.tensors.begin(); it != file.tensors.end(); ++it) {
    if (it->first == name) {
      file.tensors.erase(it);
      return;
    }
  }
  ADD_FAILURE() << "no tensor " << name;
}

// The status and message of loading `file` once `edit` has changed it.
std::pair<tdcm_status, std::string> load_edited(ModelFile file,
                                                const std::function<void(ModelFile &)> &edit,
                                                const TempDir &dir) {
  for (auto &named : file.tensors) named.second = named.second.clone();  // a copy shares storage
  edit(file);
  const std::string path = dir.file("edited.tdcm");
  tdcm::write_model_file(path, file);
  return error_of([&] { Model::load(path, nullptr); });
}

// Symmetric and finite, but with eigenvalues 3 and -1.
at::Tensor indefinite() { return at::tensor({1.0f, 2.0f, 2.0f, 1.0f}).view({2, 2}); }

class CoreMixtureFile : public ::testing::Test {
 protected:
  void SetUp() override { tdcm::apply_threads(1, tdcm::Work::Training); }
};

}  // namespace

TEST_F(CoreMixtureFile, UneditedFilesLoad) {
  TempDir dir;
  for (const char *params :
       {"algo=gmm k=3 n_init=2 seed=0 device=cpu threads=1", "k=3 seed=0 device=cpu threads=1"}) {
    for (const bool adapt : {false, true}) {
      SCOPED_TRACE(std::string(params) + (adapt ? " adapted" : ""));
      const ModelFile file = saved(params, adapt, dir);
      EXPECT_EQ(load_edited(
                    file, [](ModelFile &) {}, dir)
                    .first,
                TDCM_OK);
    }
  }
}

TEST_F(CoreMixtureFile, CovarianceThatIsNotPositiveDefiniteIsABadFile) {
  TempDir dir;
  struct Case {
    const char *params;
    bool adapt;
    const char *tensor;
  };
  const Case cases[] = {
      {"algo=gmm k=3 n_init=2 seed=0 device=cpu threads=1", false, "source.covs"},
      {"algo=gmm k=3 n_init=2 seed=0 device=cpu threads=1", true, "adapted.covs"},
      {"k=3 seed=0 device=cpu threads=1", false, "source.covs"},
      {"k=3 seed=0 device=cpu threads=1", true, "adapted.covs"},
      {"k=3 seed=0 device=cpu threads=1", true, "target.covs"},
      {"algo=kmeans k=3 n_init=2 seed=0 device=cpu threads=1", false, "source.covs"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(std::string(c.params) + " " + c.tensor);
    const ModelFile file = saved(c.params, c.adapt, dir);
    const auto [status, message] = load_edited(
        file, [&](ModelFile &f) { tensor(f, c.tensor)[1].copy_(indefinite()); }, dir);
    EXPECT_EQ(status, TDCM_ERR_BAD_FILE);
    EXPECT_NE(message.find("positive definite"), std::string::npos) << message;
    // A singular one (zero variance along an axis) is refused too.
    EXPECT_EQ(load_edited(
                  file, [&](ModelFile &f) { tensor(f, c.tensor)[0].zero_(); }, dir)
                  .first,
              TDCM_ERR_BAD_FILE);
  }
}

TEST_F(CoreMixtureFile, OtherBrokenMixturesAreBadFiles) {
  TempDir dir;
  const ModelFile gmm = saved("algo=gmm k=3 n_init=2 seed=0 device=cpu threads=1", true, dir);
  auto status = [&](const std::function<void(ModelFile &)> &edit) {
    return load_edited(gmm, edit, dir).first;
  };
  EXPECT_EQ(status([](ModelFile &f) { tensor(f, "source.weights")[2].fill_(0.0f); }),
            TDCM_ERR_BAD_FILE);
  EXPECT_EQ(status([](ModelFile &f) { tensor(f, "source.weights")[0].fill_(-0.5f); }),
            TDCM_ERR_BAD_FILE);
  EXPECT_EQ(status([](ModelFile &f) { tensor(f, "source.sizes")[1].fill_(-1.0f); }),
            TDCM_ERR_BAD_FILE);
  // Parts missing: a gmm without its mixture, a mixture without weights or means.
  EXPECT_EQ(
      status([](ModelFile &f) {
        for (const char *n : {"source.means", "source.covs", "source.weights", "source.sizes"}) {
          erase(f, n);
        }
      }),
      TDCM_ERR_BAD_FILE);
  EXPECT_EQ(status([](ModelFile &f) { erase(f, "source.weights"); }), TDCM_ERR_BAD_FILE);
  EXPECT_EQ(status([](ModelFile &f) { erase(f, "adapted.means"); }), TDCM_ERR_BAD_FILE);
  // A covariance of the wrong shape.
  EXPECT_EQ(status([](ModelFile &f) {
              tensor(f, "source.covs") = at::ones({3, 2, 3});
            }),
            TDCM_ERR_BAD_FILE);
  // Non-finite values.
  EXPECT_EQ(status([](ModelFile &f) { tensor(f, "source.means")[0][0].fill_(NAN); }),
            TDCM_ERR_BAD_FILE);
}

// A covariance must be symmetric: the load check factors one triangle only,
// so a file whose other triangle was changed passes it, and the computations
// that use the whole matrix (the MAP step symmetrises the prior's shapes)
// meet an indefinite one.
TEST_F(CoreMixtureFile, AsymmetricCovarianceIsABadFile) {
  // Cholesky reads one triangle: a file whose other triangle disagrees must be
  // refused at load, not fail inside LibTorch at assign.
  TempDir dir;
  for (const char *params :
       {"algo=gmm k=3 n_init=2 seed=0 device=cpu threads=1", "k=3 seed=0 device=cpu threads=1"}) {
    SCOPED_TRACE(params);
    const ModelFile file = saved(params, false, dir);
    // Lower triangle untouched (positive definite); the upper one far off:
    // (Sigma + Sigma^T) / 2 is then indefinite.
    const auto [status, message] = load_edited(
        file, [](ModelFile &f) { tensor(f, "source.covs")[1][0][1].fill_(50.0f); }, dir);
    EXPECT_EQ(status, TDCM_ERR_BAD_FILE) << message;
  }
}
