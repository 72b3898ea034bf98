using System.Globalization;
using System.Runtime.InteropServices;

namespace Tdcm
{
    /// <summary>One cluster of a target set against the source
    /// (<see cref="Model.AssignReport(float[], int, out ClusterReport[])"/>,
    /// <see cref="Model.GetReport"/>): the source cluster it continues, how confident that
    /// match is, how far its centre moved and how its size changed.</summary>
    /// <remarks>Laid out as the C API's <c>tdcm_cluster_report</c>, so that the library
    /// fills a pinned array of them in place.</remarks>
    [StructLayout(LayoutKind.Sequential)]
    public struct ClusterReport
    {
#pragma warning disable 649 // written by the native library only
        private int cluster;
        private int sourceCluster;
        private int flags;
        private double confidence;
        private double shift;
        private long sourceSize;
        private long targetSize;
#pragma warning restore 649

        /// <summary>Its label on the target.</summary>
        public int Cluster
        {
            get { return cluster; }
        }

        /// <summary>The source cluster it continues (its label on the source).</summary>
        public int SourceCluster
        {
            get { return sourceCluster; }
        }

        /// <summary>The C API's TDCM_CLUSTER_* bits; <see cref="Unmatched"/>,
        /// <see cref="MovedFar"/> and <see cref="Shrank"/> read them.</summary>
        public int Flags
        {
            get { return flags; }
        }

        /// <summary>No source cluster matches it confidently (confidence below 0.5).</summary>
        public bool Unmatched
        {
            get { return (flags & TdcmNative.TDCM_CLUSTER_UNMATCHED) != 0; }
        }

        /// <summary>Its centre moved more than 3 of its own spreads.</summary>
        public bool MovedFar
        {
            get { return (flags & TdcmNative.TDCM_CLUSTER_MOVED_FAR) != 0; }
        }

        /// <summary>Its share of the rows fell below half its share on the source.</summary>
        public bool Shrank
        {
            get { return (flags & TdcmNative.TDCM_CLUSTER_SHRANK) != 0; }
        }

        /// <summary>Match confidence in [0, 1]: the posterior probability of this
        /// pairing.</summary>
        public double Confidence
        {
            get { return confidence; }
        }

        /// <summary>How far its centre moved, in units of the source cluster's
        /// spread.</summary>
        public double Shift
        {
            get { return shift; }
        }

        /// <summary>Rows labelled with it on the source (0 if unknown).</summary>
        public long SourceSize
        {
            get { return sourceSize; }
        }

        /// <summary>Rows labelled with it on the target.</summary>
        public long TargetSize
        {
            get { return targetSize; }
        }

        /// <summary>"cluster 2 &lt;- source 2: confidence 0.998, shift 0.412, size 500 -&gt;
        /// 512", and the flags that are set.</summary>
        public override string ToString()
        {
            return string.Format(CultureInfo.InvariantCulture,
                                 "cluster {0} <- source {1}: confidence {2:F3}, shift {3:F3}, " +
                                     "size {4} -> {5}{6}{7}{8}",
                                 cluster, sourceCluster, confidence, shift, sourceSize, targetSize,
                                 Unmatched ? ", unmatched" : "", MovedFar ? ", moved far" : "",
                                 Shrank ? ", shrank" : "");
        }
    }
}
