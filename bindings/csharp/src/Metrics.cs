using System.Globalization;

namespace Tdcm
{
    /// <summary>Clustering quality of a labelling against ground truth.</summary>
    public struct Metrics
    {
        private Metrics(double nmi, double ari, double acc)
        {
            Nmi = nmi;
            Ari = ari;
            Acc = acc;
        }

        /// <summary>Normalized mutual information (arithmetic normalisation).</summary>
        public double Nmi { get; private set; }

        /// <summary>Adjusted Rand index.</summary>
        public double Ari { get; private set; }

        /// <summary>Accuracy under the best one-to-one cluster-to-label map.</summary>
        public double Acc { get; private set; }

        /// <summary>Scores <paramref name="predicted"/> against <paramref name="truth"/>
        /// (equal lengths, non-negative labels).</summary>
        /// <exception cref="TdcmException">lengths differ, empty or negative labels</exception>
        public static Metrics Compute(int[] truth, int[] predicted)
        {
            long n = SameLength(truth, predicted);
            double[] scores = new double[3];
            TdcmNative.tdcm_metrics(truth, predicted, n, scores);
            return new Metrics(scores[0], scores[1], scores[2]);
        }

        /// <summary>ACC-kept: the cluster-to-label map found on the source labelling,
        /// applied unchanged to the target labelling.</summary>
        public static double AccKept(int[] sourceTruth, int[] sourcePredicted, int[] targetTruth,
                                     int[] targetPredicted)
        {
            long nSource = SameLength(sourceTruth, sourcePredicted);
            long nTarget = SameLength(targetTruth, targetPredicted);
            double accKept;
            TdcmNative.tdcm_metrics_acc_kept(sourceTruth, sourcePredicted, nSource, targetTruth,
                                             targetPredicted, nTarget, out accKept);
            return accKept;
        }

        /// <summary>Calibration of a target's soft assignments (rows x k, row-major, as
        /// <see cref="Model.Assign(float[], int, out float[])"/> gives them) under the
        /// cluster-to-label map found on the source labelling, as <see cref="AccKept"/>.</summary>
        /// <exception cref="TdcmException">lengths differ, empty or negative labels</exception>
        public static Calibration Calibration(int[] sourceTruth, int[] sourcePredicted,
                                              int[] targetTruth, float[] targetProbabilities,
                                              int k)
        {
            long nSource = SameLength(sourceTruth, sourcePredicted);
            long nTarget = targetTruth != null ? targetTruth.Length : 0;
            if (targetProbabilities != null && k > 0 && targetProbabilities.Length != nTarget * k)
            {
                throw new TdcmException(Status.InvalidArgument,
                    "targetProbabilities holds " + targetProbabilities.Length + " values, not " +
                    nTarget + " rows x k = " + k);
            }
            double ece, logLoss;
            TdcmNative.tdcm_metrics_calibration(sourceTruth, sourcePredicted, nSource, targetTruth,
                                                targetProbabilities, nTarget, k, out ece,
                                                out logLoss);
            return new Calibration(ece, logLoss);
        }

        private static long SameLength(int[] truth, int[] predicted)
        {
            if (truth != null && predicted != null && truth.Length != predicted.Length)
            {
                throw new TdcmException(Status.InvalidArgument,
                    "truth and predicted labels differ in length: " + truth.Length + " != " +
                    predicted.Length);
            }
            return truth != null ? truth.Length : predicted != null ? predicted.Length : 0;
        }

        /// <summary>"NMI 0.8731  ARI 0.8012  ACC 0.9320".</summary>
        public override string ToString()
        {
            return string.Format(CultureInfo.InvariantCulture, "NMI {0:F4}  ARI {1:F4}  ACC {2:F4}",
                                 Nmi, Ari, Acc);
        }
    }

    /// <summary>Calibration of soft assignments (<see cref="Metrics.Calibration"/>).</summary>
    public struct Calibration
    {
        internal Calibration(double ece, double logLoss)
        {
            Ece = ece;
            LogLoss = logLoss;
        }

        /// <summary>Expected calibration error: over 10 equal-width bins of each row's top
        /// probability, |accuracy - mean confidence| weighted by the bin's share of
        /// rows.</summary>
        public double Ece { get; private set; }

        /// <summary>Mean -log of the probability given to the true label (at least
        /// 1e-15).</summary>
        public double LogLoss { get; private set; }

        /// <summary>"ECE 0.0123  log-loss 0.0456".</summary>
        public override string ToString()
        {
            return string.Format(CultureInfo.InvariantCulture, "ECE {0:F4}  log-loss {1:F4}", Ece,
                                 LogLoss);
        }
    }
}
