// Model.FitLabelled: a collection of six P1 source sets (seeds 1000..1005, k = 3) with each
// row's cluster, fitted as a family; an unseen P1 target set to assign.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Tdcm;

public static partial class BindingTests
{
    private const string Family = "k=3 collection=family threads=1";
    private const string TrainedFamily = Family + " encoder=linear embed_dim=3 epochs=2 seed=0";

    private sealed class Collection
    {
        public float[] X;
        public long[] SetIds;
        public int[] Labels;
        public int D;
    }

    private static readonly Collection Labelled = MakeCollection();
    private static readonly DriftPair Unseen = Library.SynthDrift(3, 2, 200, 0, 4.0, 0.5);

    private static Collection MakeCollection()
    {
        var sets = Enumerable.Range(0, 6)
                       .Select(s => Library.SynthDrift(3, 2, 200, (ulong)(1000 + s), 4.0, 0.5))
                       .ToList();
        return new Collection
        {
            X = sets.SelectMany(p => p.SourceX).ToArray(),
            SetIds = sets.SelectMany((p, s) => Enumerable.Repeat(1000L + s, p.Rows)).ToArray(),
            Labels = sets.SelectMany(p => p.SourceY).ToArray(),
            D = sets[0].D
        };
    }

    private static byte[] LabelledFitBytes(string parameters, int[] labels)
    {
        using (Model model = Model.Create(parameters))
        {
            model.FitLabelled(Labelled.X, Labelled.D, Labelled.SetIds, labels);
            return model.Save();
        }
    }

    public static void ALabelledFamilyFitLearnsAMetricAndAssignsAnUnseenSet()
    {
        Collection c = Labelled;
        using (Model model = Model.Create(Family))
        {
            model.FitLabelled(c.X, c.D, c.SetIds, c.Labels);
            Check(model.IsFitted, "fitted");
            Check(model.InputDim == c.D, "input dim " + model.InputDim);
            Check(model.EmbedDim >= 1 && model.EmbedDim <= c.D, "embed dim " + model.EmbedDim);
            int[] assigned = model.Assign(Unseen.TargetX, Unseen.D);
            Check(assigned.Length == Unseen.Rows, "one label per row");
            Check(assigned.All(l => l >= 0 && l < 3), "labels in [0, 3)");
            // Measured NMI 1.0 on this set.
            Metrics m = Metrics.Compute(Unseen.TargetY, assigned);
            Check(m.Nmi > 0.9, m.ToString());
        }
    }

    public static void TheLabelsReachTheLibrary()
    {
        Collection c = Labelled;
        byte[] labelled = LabelledFitBytes(Family, c.Labels);
        Check(LabelledFitBytes(Family, c.Labels).SequenceEqual(labelled), "deterministic");
        // Cluster ids need not agree across sets: renaming them in one set changes nothing.
        int[] renamed = c.Labels.Select((l, i) => c.SetIds[i] == 1002 ? (l + 1) % 3 : l).ToArray();
        Check(LabelledFitBytes(Family, renamed).SequenceEqual(labelled), "renamed, the same model");
        // One cluster per set is another family metric, another model.
        Check(!LabelledFitBytes(Family, new int[c.Labels.Length]).SequenceEqual(labelled),
              "one cluster per set, another model");
    }

    public static void FitLabelledChecksItsArguments()
    {
        Collection c = Labelled;
        int n = c.Labels.Length;
        using (Model model = Model.Create(Family))
        {
            Fails(Status.InvalidArgument,
                  () => model.FitLabelled(c.X, c.D, c.SetIds.Take(n - 1).ToArray(), c.Labels));
            Fails(Status.InvalidArgument,
                  () => model.FitLabelled(c.X, c.D, c.SetIds, c.Labels.Concat(new[] { 0 }).ToArray()));
            Fails(Status.NullArgument, () => model.FitLabelled(c.X, c.D, null, c.Labels));
            Fails(Status.NullArgument, () => model.FitLabelled(c.X, c.D, c.SetIds, null));
            // The library's own checks: a single set, a negative label.
            long[] oneSet = Enumerable.Repeat(7L, n).ToArray();
            TdcmException single =
                Fails(Status.InvalidArgument, () => model.FitLabelled(c.X, c.D, oneSet, c.Labels));
            Check(single.Message.Contains("at least two data sets"), single.Message);
            int[] negative = (int[])c.Labels.Clone();
            negative[5] = -1;
            Fails(Status.InvalidArgument, () => model.FitLabelled(c.X, c.D, c.SetIds, negative));
            Check(!model.IsFitted, "not fitted");
        }
        using (Model kmeans = Model.Create("k=3 algo=kmeans"))
        {
            Fails(Status.InvalidArgument, () => kmeans.FitLabelled(c.X, c.D, c.SetIds, c.Labels));
        }
    }

    public static void FitLabelledRaisesFitProgressOncePerEpochAndCanCancel()
    {
        Collection c = Labelled;
        using (Model model = Model.Create(TrainedFamily))
        {
            var seen = new List<Progress>();
            int fitting = Thread.CurrentThread.ManagedThreadId;
            EventHandler<ProgressEventArgs> record = (sender, e) =>
            {
                Check(sender == model, "the sender is the model");
                Check(Thread.CurrentThread.ManagedThreadId == fitting, "on the fitting thread");
                seen.Add(e.Progress);
            };
            model.FitProgress += record;
            model.FitLabelled(c.X, c.D, c.SetIds, c.Labels);
            Check(seen.Count == 2, seen.Count + " calls");
            for (int i = 0; i < seen.Count; ++i)
            {
                Check(seen[i].Epoch == i + 1 && seen[i].Epochs == 2, "epoch " + i);
            }
            model.FitProgress -= record;
            byte[] before = model.Save();
            int calls = 0;
            model.FitProgress += (sender, e) => e.Cancel = ++calls >= 1;
            Fails(Status.Cancelled, () => model.FitLabelled(c.X, c.D, c.SetIds, c.Labels));
            Check(calls == 1, calls + " calls");
            Check(model.Save().SequenceEqual(before), "a cancelled fit leaves the model as it was");
        }
    }

    public static void AFitProgressHandlerThatThrowsCancelsAndFitLabelledThrowsIt()
    {
        Collection c = Labelled;
        using (Model model = Model.Create(TrainedFamily))
        {
            var thrown = new InvalidOperationException("from the handler");
            EventHandler<ProgressEventArgs> throwing = (sender, e) => { throw thrown; };
            model.FitProgress += throwing;
            var caught = Throws<InvalidOperationException>(
                () => model.FitLabelled(c.X, c.D, c.SetIds, c.Labels));
            Check(caught == thrown, "the handler's exception");
            Check(!model.IsFitted, "not fitted");
            model.FitProgress -= throwing;
            model.FitLabelled(c.X, c.D, c.SetIds, c.Labels);
            Check(model.IsFitted, "fits again");
        }
    }
}
