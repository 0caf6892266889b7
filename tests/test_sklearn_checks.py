"""scikit-learn's estimator checks (`parametrize_with_checks`) on every estimator of the library, with tiny settings.

Each estimator runs every check of `sklearn.utils.estimator_checks` (one pytest test per estimator and check, so
`pytest -n 2` spreads them) with a few epochs and small layers, which is all the checks need. Expected failures are
listed with their reason (they run as non-strict xfails):

* by design: CL/TCL read images (n, C, H, W) and RDDC/RDTKC padded sequences (n, T, F), while every check that fits
  feeds vectors (n, d); RBM/TRBM (and the VAEs with reconstruction='bce') refuse data outside [0, 1]. The lists are
  the modules' own `SKLEARN_EXPECTED_FAILED_CHECKS`, whose exactness the notebooks check.
* reported to the estimator's owner (issue 25), not fixed here: listed in `REPORTED`.

`test_every_estimator_is_checked` fails when a public estimator class is added without a row here.
"""
import importlib
import inspect
import pkgutil
import warnings

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import clusterrep
from clusterrep import contrastive, rbm
from clusterrep.ae import AE, PTAE, TAE
from clusterrep.baselines import DEC, IDEC, KMeansBaseline, SpectralBaseline
from clusterrep.contrastive import CL, TCL
from clusterrep.ddc import DDC, RDDC
from clusterrep.dtkc import DTKC, RDTKC
from clusterrep.rbm import RBM, TRBM
from clusterrep.vae import TVAE, VAE

_SEQUENCES_ONLY = "the check fits vectors (n, d); RDDC and RDTKC read padded sequences (n, T, F) by design"
SEQUENCE_EXPECTED_FAILED_CHECKS = {name: _SEQUENCES_ONLY for name in (
    "check_clustering", "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
    "check_estimators_dtypes", "check_estimators_empty_data_messages", "check_estimators_fit_returns_self",
    "check_estimators_nan_inf", "check_estimators_overwrite_params", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_fit2d_1feature", "check_fit2d_1sample", "check_fit2d_predict1d",
    "check_fit_check_is_fitted", "check_fit_idempotent", "check_fit_score_takes_y",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance", "check_n_features_in",
    "check_n_features_in_after_fitting", "check_pipeline_consistency", "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input", "check_transformer_data_not_an_array", "check_transformer_general")}

# failures that are the estimator owner's to fix (reported in issue 25's report), by class name
REPORTED = {
    "SpectralBaseline": {
        name: "reported to the baselines owner: with the default n_neighbors=10 on the checks' 10 samples, fit "
              "raises the n_neighbors error before (and instead of) the NaN/inf or 1-feature message"
        for name in ("check_estimators_nan_inf", "check_fit2d_1feature")},
}

# tiny settings: a few epochs and small layers (DDC/DTKC need ~20 epochs of the 2-d blobs for check_clustering)
ESTIMATORS = [
    AE(max_epochs=3), TAE(max_epochs=3), PTAE(max_epochs=3),
    VAE(max_epochs=3, hidden=8, reconstruction="mse"), TVAE(max_epochs=3, hidden=8, reconstruction="mse"),
    CL(max_epochs=1, hidden=8, embedding_dim=4), TCL(max_epochs=1, hidden=8, embedding_dim=4),
    RBM(max_epochs=2, n_hidden=4, n_ais_betas=20, n_ais_chains=4),
    TRBM(max_epochs=2, n_hidden=4, n_ais_betas=20, n_ais_chains=4),
    DDC(max_epochs=20, n_hidden=8, mlp_hidden=(8,)),
    DTKC(max_epochs=20, n_hidden=8, mlp_hidden=(8,), companion_layers=["backbone.0"]),
    RDDC(max_epochs=2, n_hidden=8, gru_hidden=4, gru_layers=1),
    RDTKC(max_epochs=2, n_hidden=8, gru_hidden=4, gru_layers=1),
    DEC(max_epochs=2, dims=(8, 4), pretrain_epochs=2, kmeans_n_init=2),
    IDEC(max_epochs=2, dims=(8, 4), pretrain_epochs=2, kmeans_n_init=2),
    KMeansBaseline(n_init=2), SpectralBaseline(n_init=2),
]

BY_DESIGN = {CL: contrastive.SKLEARN_EXPECTED_FAILED_CHECKS, TCL: contrastive.SKLEARN_EXPECTED_FAILED_CHECKS,
             RBM: rbm.SKLEARN_EXPECTED_FAILED_CHECKS, TRBM: rbm.SKLEARN_EXPECTED_FAILED_CHECKS,
             RDDC: SEQUENCE_EXPECTED_FAILED_CHECKS, RDTKC: SEQUENCE_EXPECTED_FAILED_CHECKS}


def expected_failed_checks(estimator) -> dict:
    "{check name: reason} of the checks expected to fail for `estimator`."
    return {**BY_DESIGN.get(type(estimator), {}), **REPORTED.get(type(estimator).__name__, {})}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_check(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the checks' tiny data make some fits warn (few samples, empty clusters)
        check(estimator)


def _public_estimator_classes():
    "Public estimator classes of the library (every module but the experiments and the CLI), bases excluded."
    bases = {"DeepClusterer", "ClusterSpecificEstimator"}
    found = set()
    for info in pkgutil.iter_modules(clusterrep.__path__):
        if info.name.startswith(("paper", "_", "cli")):
            continue
        module = importlib.import_module(f"clusterrep.{info.name}")
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator) and name not in bases:
                found.add(obj)
    return found


def test_every_estimator_is_checked():
    checked = {type(e) for e in ESTIMATORS}
    missing = sorted(c.__name__ for c in _public_estimator_classes() - checked)
    assert not missing, f"add these estimators to tests/test_sklearn_checks.py: {missing}"
    assert len(checked) == len(ESTIMATORS) == 17
