#!/usr/bin/env bash
# Eitel et al. 2019 Table III analogue: the dense model trained with each method for noisy
# labels, with labels corrupted at training time (sbi train --label-noise), then evaluated
# on held-out scenes. Two runs at a time, 1 torch thread each (JOBS=1: one at a time).
#
#   benchmarks/noisy_labels/run.sh WORK          a small annotated set (ground-truth masks),
#                                                2 seeds -> benchmarks/noisy_labels/
#   benchmarks/noisy_labels/run.sh WORK RUN      a recorded run's own labels, 3 seeds, every
#                                                method also at the run's own noise
#                                                -> benchmarks/noisy_labels/push_run/
# Datasets and models go to WORK.
set -euo pipefail
cd "$(dirname "$0")/../.."
export WORK=${1:?work directory} RUN=${2:-} SBI=.venv/bin/sbi STEPS=150
mkdir -p "$WORK"
[ -f "$WORK/test_mixed/annotations.json" ] ||
  $SBI dataset make --layout mixed --split test --scenes 20 --seed 10000 --out "$WORK/test_mixed"
if [ -n "$RUN" ]; then
  export SOURCE="--from $RUN" OUT=benchmarks/noisy_labels/push_run
  # The run's own label noise, as measured against the world's masks: the share of its
  # positive labels that are not good (IoU < 0.5 with an object that moved).
  $SBI report --run "$RUN" --json "$WORK/run_report.json" > /dev/null
  export BASE_NOISE=$(.venv/bin/python -c "import json,sys; q=json.load(open(sys.argv[1]))['label_quality']; print(round(1 - q['positives_good_share'], 3))" "$WORK/run_report.json")
  SEEDS="0 1 2" LEVELS="0 0.3 0.6" METHODS_AT_0="ce rsl hard_bootstrap bootstrap_heuristic self_paced small_loss co_teaching"
else
  [ -f "$WORK/train_mixed/annotations.json" ] ||
    $SBI dataset make --layout mixed --split train --scenes 60 --seed 0 --out "$WORK/train_mixed"
  export SOURCE="--dataset $WORK/train_mixed" OUT=benchmarks/noisy_labels BASE_NOISE=0
  SEEDS="0 1" LEVELS="0.3 0.6" METHODS_AT_0="ce rsl"
fi

# One model: the methods' schedules scaled to 150 steps; small-loss sampling and
# co-teaching forget the labels' noise rate, taken as known (as Han et al. do): the injected
# rate plus the run's own noise on the labels left uncorrupted. Label noise of every kind,
# or of the kinds given (named rsl_noise0.3-dilate-merge_s0 for dilate,merge).
train_one() {
  local loss=$1 noise=$2 seed=$3 kinds=${4:-} name=${1}_noise${2}${4:+-${4//,/-}}_s${3}
  local forget=$(.venv/bin/python -c "print(round($noise + (1 - $noise) * $BASE_NOISE, 3))")
  [ -f "$WORK/$name/evaluation.json" ] && return 0
  nice -n 10 $SBI train $SOURCE --steps $STEPS --seed "$seed" \
    --loss "$loss" --label-noise "$noise" --label-noise-strength 0.5 \
    ${kinds:+--label-noise-kinds "$kinds"} \
    --set small_loss.ramp_steps=50 --set co_teaching.ramp_steps=50 \
    --set bootstrap_heuristic.warmup_steps=50 --set self_paced.growth_every_steps=30 \
    --set small_loss.forget_rate="$forget" --set co_teaching.forget_rate="$forget" \
    --threads 1 --out "$WORK/$name" --evaluate "$WORK/test_mixed" > "$WORK/$name.log" 2>&1
}
export -f train_one

# Pathak's robust set loss against cross-entropy also where its model of the noise holds
# (labels too large: dilated, or merged with a neighbour).
for seed in $SEEDS; do
  for loss in $METHODS_AT_0; do echo "$loss 0 $seed"; done
  for noise in $LEVELS; do
    [ "$noise" = 0 ] && continue
    for loss in ce hard_bootstrap bootstrap_heuristic self_paced small_loss co_teaching; do
      echo "$loss $noise $seed"
    done
  done
  if [ -n "$RUN" ]; then
    echo "rsl 0.3 $seed"; echo "rsl 0.6 $seed"
  else
    echo "ce 0.3 $seed dilate,merge"; echo "rsl 0.3 $seed dilate,merge"
  fi
done | xargs -P "${JOBS:-2}" -L 1 bash -c 'train_one "$@"' _

# The table: AP50 and AP per method and noise level, mean and spread over the seeds;
# the per-run evaluations are copied beside it.
.venv/bin/python - "$WORK" "$OUT" "$SOURCE" "$BASE_NOISE" "$SEEDS" <<'PY'
import json, pathlib, shutil, statistics, sys

work, out, source, base_noise, seeds = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), *sys.argv[3:]
(out / "evaluations").mkdir(parents=True, exist_ok=True)
runs = {}
for path in sorted(work.glob("*_noise*_s*/evaluation.json")):
    loss_noise, seed = path.parent.name.rsplit("_s", 1)
    loss, noise_kinds = loss_noise.rsplit("_noise", 1)
    noise, _, kinds = noise_kinds.partition("-")
    shutil.copy(path, out / "evaluations" / f"{path.parent.name}.json")
    figures = json.loads(path.read_text())
    runs.setdefault((float(noise), kinds.replace("-", ",") or "all", loss), []).append(
        {"seed": int(seed), **{key: figures[key] for key in ("ap50", "ap", "ap75")}})
table = [{"noise": noise, "kinds": kinds, "loss": loss, "seeds": [r["seed"] for r in results],
          **{f"{key}_{stat}": fn([r[key] for r in results])
             for key in ("ap50", "ap", "ap75")
             for stat, fn in (("mean", statistics.mean),
                              ("spread", lambda v: (max(v) - min(v)) / 2))}}
         for (noise, kinds, loss), results in sorted(runs.items())]
(out / "results.json").write_text(json.dumps(
    {"torch_threads": 1, "steps": 150, "train": source, "labels_own_noise": float(base_noise),
     "seeds": [int(s) for s in seeds.split()], "test": "20 mixed test scenes, seed 10000",
     "rows": table}, indent=1) + "\n")
print("| injected label noise | kinds | method | AP50 | AP | AP75 | seeds |\n|---|---|---|---|---|---|---|")
for row in table:
    print(f"| {row['noise']:g} | {row['kinds']} | {row['loss']} "
          + "".join(f"| {row[key + '_mean']:.3f} ± {row[key + '_spread']:.3f} "
                    for key in ("ap50", "ap", "ap75")) + f"| {len(row['seeds'])} |")
PY
