#!/usr/bin/env bash
# Eitel et al. 2019 Table III, reduced: the dense model trained on a small annotated set
# whose labels are corrupted at training time (sbi train --label-noise), with each method
# for noisy labels, then evaluated on held-out scenes. Two runs at a time, 1 torch thread
# each (JOBS=1: one at a time). Usage: benchmarks/noisy_labels/run.sh WORK_DIR (datasets and
# models go there).
set -euo pipefail
cd "$(dirname "$0")/../.."
export WORK=${1:?work directory} SBI=.venv/bin/sbi STEPS=150
mkdir -p "$WORK"
[ -f "$WORK/train_mixed/annotations.json" ] ||
  $SBI dataset make --layout mixed --split train --scenes 60 --seed 0 --out "$WORK/train_mixed"
[ -f "$WORK/test_mixed/annotations.json" ] ||
  $SBI dataset make --layout mixed --split test --scenes 20 --seed 10000 --out "$WORK/test_mixed"

# One model: the methods' schedules scaled to 150 steps; the forget rate is the injected
# noise rate (Han et al. set it to the noise rate, taken as known). Label noise of every
# kind, or of the kinds given (named rsl_noise0.3-dilate-merge_s0 for dilate,merge).
train_one() {
  local loss=$1 noise=$2 seed=$3 kinds=${4:-} name=${1}_noise${2}${4:+-${4//,/-}}_s${3}
  [ -f "$WORK/$name/evaluation.json" ] && return 0
  nice -n 10 $SBI train --dataset "$WORK/train_mixed" --steps $STEPS --seed "$seed" \
    --loss "$loss" --label-noise "$noise" --label-noise-strength 0.5 \
    ${kinds:+--label-noise-kinds "$kinds"} \
    --set small_loss.ramp_steps=50 --set co_teaching.ramp_steps=50 \
    --set bootstrap_heuristic.warmup_steps=50 --set self_paced.growth_every_steps=30 \
    --set small_loss.forget_rate="$noise" --set co_teaching.forget_rate="$noise" \
    --threads 1 --out "$WORK/$name" --evaluate "$WORK/test_mixed" > "$WORK/$name.log" 2>&1
}
export -f train_one

# Pathak's robust set loss against cross-entropy also where its model of the noise holds
# (labels too large: dilated, or merged with a neighbour).
for seed in 0 1; do
  echo "ce 0 $seed"
  echo "rsl 0 $seed"
  for noise in 0.3 0.6; do
    for loss in ce hard_bootstrap bootstrap_heuristic self_paced small_loss co_teaching; do
      echo "$loss $noise $seed"
    done
  done
  echo "ce 0.3 $seed dilate,merge"
  echo "rsl 0.3 $seed dilate,merge"
done | xargs -P "${JOBS:-2}" -L 1 bash -c 'train_one "$@"' _

# The table: AP50 and AP per method and noise level, mean and spread over the seeds;
# the per-run evaluations are copied beside it.
.venv/bin/python - "$WORK" benchmarks/noisy_labels <<'PY'
import json, pathlib, shutil, statistics, sys

work, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
(out / "evaluations").mkdir(exist_ok=True)
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
    {"torch_threads": 1, "steps": 150, "train": "60 mixed train scenes, seed 0",
     "test": "20 mixed test scenes, seed 10000", "rows": table}, indent=1) + "\n")
print("| label noise | kinds | method | AP50 | AP | AP75 | seeds |\n|---|---|---|---|---|---|---|")
for row in table:
    print(f"| {row['noise']:g} | {row['kinds']} | {row['loss']} "
          + "".join(f"| {row[key + '_mean']:.3f} ± {row[key + '_spread']:.3f} "
                    for key in ("ap50", "ap", "ap75")) + f"| {len(row['seeds'])} |")
PY
