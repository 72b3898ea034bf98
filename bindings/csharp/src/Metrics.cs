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
}
