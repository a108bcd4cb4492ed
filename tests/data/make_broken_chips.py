"""Write the corpus of broken chip files in ``broken_chips/``: each file is a valid base chip with one fault.

Every file starts with ``# fault:`` (what is wrong) and ``# expect:`` (the field the error must name).
Re-run after changing the base: ``python tests/data/make_broken_chips.py``.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent / "broken_chips"

BASE = """\
schema_version: 1
id: {id}
name: Tiny Test Chip
vendor: snnas tests
kind: digital
topology:
  cores: 8
  cores_per_tile: 2
  mesh: [2, 2]
  noc: mesh2d
  routing: xy
execution:
  model: timestep_barrier
  barrier_latency_s: {{1: 1.0e-7, 4: 2.0e-7}}
core:
  max_neurons: 256
  max_axons_in: 256
  allowed_strides: [1, 2]
precision:
  weight_bits: {{min: 1, max: 8}}
  weight_signed: true
  delay_bits: 4
  max_delay_steps: 15
neuron_models: [lif, if]
energy:
  e_syn_op: 23.6e-12
  e_neuron_update_active: 81.0e-12
  e_neuron_update_idle: 52.0e-12
  e_hop_x: 3.0e-12
latency:
  t_syn_op: 3.5e-9
provenance:
  topology: {{source: sheet, locator: "p.1", basis: specification}}
  execution.barrier_latency_s: {{source: sheet, locator: "Table 2", basis: measured}}
  core: {{source: sheet, locator: "p.2", basis: specification}}
  precision: {{source: sheet, locator: "p.3", basis: specification}}
  neuron_models: {{source: sheet, locator: "p.4", basis: specification}}
  energy: {{source: sheet, locator: "Table 3", basis: measured}}
  latency.t_syn_op: {{source: sheet, locator: "Table 3", basis: measured}}
sources:
  sheet: "Tiny Test Chip datasheet, rev. 1"
"""

# (file stem, fault, field the error must name, old text, new text); old is replaced once in BASE.
FAULTS: list[tuple[str, str, str, str, str]] = [
    ("unknown_top_key", "misspelt section name", "topolgy", "topology:\n", "topolgy:\n"),
    ("unknown_core_key", "misspelt core limit", "core.max_neuron", "  max_neurons: 256", "  max_neuron: 256"),
    ("cores_string", "a count written as a string", "topology.cores", "cores: 8", "cores: '8'"),
    ("cores_float", "a fractional count", "topology.cores", "cores: 8", "cores: 8.5"),
    ("neurons_bool", "a count given as a boolean", "core.max_neurons", "max_neurons: 256", "max_neurons: true"),
    ("neurons_negative", "a negative count", "core.max_neurons", "max_neurons: 256", "max_neurons: -256"),
    ("cores_zero", "zero cores", "topology.cores", "cores: 8", "cores: 0"),
    ("energy_unit_slip", "pJ written without the e-12", "energy.e_syn_op", "e_syn_op: 23.6e-12", "e_syn_op: 23.6"),
    ("latency_negative", "a negative latency", "latency.t_syn_op", "t_syn_op: 3.5e-9", "t_syn_op: -3.5e-9"),
    ("energy_nan", "NaN as a figure", "energy.e_hop_x", "e_hop_x: 3.0e-12", "e_hop_x: .nan"),
    ("energy_inf", "infinity as a figure", "energy.e_hop_x", "e_hop_x: 3.0e-12", "e_hop_x: .inf"),
    ("energy_with_unit", "a unit inside the number", "energy.e_syn_op", "e_syn_op: 23.6e-12",
     "e_syn_op: 23.6 pJ"),
    ("execution_model_typo", "unknown execution model", "execution.model", "model: timestep_barrier",
     "model: timestep_barier"),
    ("noc_unknown", "unknown network-on-chip kind", "topology.noc", "noc: mesh2d", "noc: hypercube"),
    ("neuron_model_unknown", "unknown neuron model", "neuron_models[1]", "[lif, if]", "[lif, qif]"),
    ("neuron_model_repeated", "a neuron model listed twice", "neuron_models", "[lif, if]", "[lif, lif]"),
    ("mesh_too_small", "mesh holds fewer cores than the chip has", "topology.mesh", "mesh: [2, 2]",
     "mesh: [1, 2]"),
    ("mesh_three_dims", "mesh shape with three numbers", "topology.mesh", "mesh: [2, 2]", "mesh: [2, 2, 2]"),
    ("weight_bits_inverted", "min bits above max bits", "precision.weight_bits.min", "{min: 1, max: 8}",
     "{min: 9, max: 8}"),
    ("weight_bits_allowed_outside", "an allowed width outside [min, max]", "precision.weight_bits.allowed",
     "{min: 1, max: 8}", "{min: 1, max: 8, allowed: [1, 2, 16]}"),
    ("weight_bits_missing_max", "weight bit range without max", "precision.weight_bits.max",
     "{min: 1, max: 8}", "{min: 1}"),
    ("delay_does_not_fit", "max delay beyond the delay field", "precision.max_delay_steps",
     "max_delay_steps: 15", "max_delay_steps: 16"),
    ("signed_not_bool", "a boolean given as a word", "precision.weight_signed", "weight_signed: true",
     "weight_signed: sometimes"),
    ("missing_provenance", "a figure with no source", "core.max_axons_in",
     "core: {source: sheet, locator: \"p.2\", basis: specification}",
     "core.max_neurons: {source: sheet, locator: \"p.2\", basis: specification}\n"
     "  core.allowed_strides: {source: sheet, locator: \"p.2\", basis: specification}"),
    ("provenance_undefined_source", "provenance cites a source that is not defined",
     "provenance[latency.t_syn_op].source", "latency.t_syn_op: {source: sheet",
     "latency.t_syn_op: {source: shet"),
    ("provenance_unknown_path", "provenance names no field", "provenance[latency.t_synop]",
     "latency.t_syn_op: {source", "latency.t_synop: {source"),
    ("provenance_bad_basis", "provenance basis not in the vocabulary", "provenance[latency.t_syn_op].basis",
     "locator: \"Table 3\", basis: measured}\nsources", "locator: \"Table 3\", basis: guessed}\nsources"),
    ("provenance_unknown_basis_with_value", "basis 'unknown' on a figure that has a value",
     "provenance[latency.t_syn_op].basis", "locator: \"Table 3\", basis: measured}\nsources",
     "locator: \"Table 3\", basis: unknown}\nsources"),
    ("provenance_empty_locator", "provenance without a locator", "provenance[core].locator",
     "core: {source: sheet, locator: \"p.2\"", "core: {source: sheet, locator: \"\""),
    ("source_never_cited", "a source nobody cites", "sources[extra]", "sources:\n",
     "sources:\n  extra: \"An unused reference\"\n"),
    ("missing_name", "required field absent", "name", "name: Tiny Test Chip\n", ""),
    ("missing_execution_model", "execution without its model", "execution.model",
     "  model: timestep_barrier\n", ""),
    ("kind_null", "required field set to null", "kind", "kind: digital", "kind: null"),
    ("id_not_stem", "id differs from the file name", "id", "id: {id}", "id: another_chip"),
    ("schema_version_future", "a schema version this snnas does not read", "schema_version",
     "schema_version: 1", "schema_version: 2"),
    ("tick_without_step", "global tick without its tick length", "execution.timestep_s",
     "  model: timestep_barrier\n  barrier_latency_s: {1: 1.0e-7, 4: 2.0e-7}\n",
     "  model: global_tick\n"),
    ("async_with_step", "an asynchronous chip with a time step", "execution.timestep_s",
     "  model: timestep_barrier\n  barrier_latency_s: {1: 1.0e-7, 4: 2.0e-7}\n",
     "  model: async_event\n  timestep_s: 1.0e-3\n"),
    ("barrier_on_tick_chip", "barrier latency on a chip without a barrier", "execution.barrier_latency_s",
     "  model: timestep_barrier\n", "  model: global_tick\n  timestep_s: 1.0e-3\n"),
    ("barrier_key_not_int", "barrier table keyed by a word", "execution.barrier_latency_s[one]",
     "{1: 1.0e-7, 4: 2.0e-7}", "{one: 1.0e-7, 4: 2.0e-7}"),
    ("cycles_without_clock", "cycles per step with no clock", "execution.cycles_per_step",
     "  barrier_latency_s", "  cycles_per_step: 5050\n  barrier_latency_s"),
    ("core_list_wrong_length", "per-core list shorter than the core count", "core",
     "core:\n  max_neurons: 256\n  max_axons_in: 256\n  allowed_strides: [1, 2]\n",
     "core:\n  - {max_neurons: 256, max_axons_in: 256}\n  - {max_neurons: 128, max_axons_in: 256}\n"),
    ("strides_repeated", "a stride listed twice", "core.allowed_strides", "[1, 2]", "[2, 2]"),
    ("idle_costs_more", "an idle update dearer than an active one", "energy.e_neuron_update_idle",
     "e_neuron_update_idle: 52.0e-12", "e_neuron_update_idle: 95.0e-12"),
    ("section_scalar", "a section given as a number", "energy",
     "energy:\n  e_syn_op: 23.6e-12\n  e_neuron_update_active: 81.0e-12\n  e_neuron_update_idle: 52.0e-12\n"
     "  e_hop_x: 3.0e-12\n", "energy: 5\n"),
    ("duplicate_key", "a key given twice", "topology.cores", "  cores_per_tile: 2\n",
     "  cores_per_tile: 2\n  cores: 16\n"),
    ("yaml_unclosed_bracket", "a flow list never closed", "topology.mesh", "mesh: [2, 2]", "mesh: [2, 2"),
    ("yaml_tab_indent", "indentation with a tab", "topology", "  cores: 8", "\tcores: 8"),
]

WHOLE_FILE: list[tuple[str, str, str, str]] = [
    ("empty_file", "an empty file", "<document>", ""),
    ("document_is_list", "a list instead of a mapping", "<document>", "- loihi\n- truenorth\n"),
    ("not_utf8", "bytes that are not UTF-8 text", "<document>", "name: \udcff\n"),
]


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for old in HERE.glob("*.yaml"):
        old.unlink()
    n = 0
    for i, (stem, fault, field, old, new) in enumerate(FAULTS, 1):
        name = f"b{i:02d}_{stem}"
        base = BASE.format(id=name)
        old_t, new_t = old.replace("{id}", name), new.replace("{id}", name)
        if base.count(old_t) != 1:
            raise SystemExit(f"{name}: {old_t!r} occurs {base.count(old_t)} times in the base")
        text = base.replace(old_t, new_t)
        (HERE / f"{name}.yaml").write_text(f"# fault: {fault}\n# expect: {field}\n{text}", encoding="utf-8")
        n += 1
    for j, (stem, fault, field, text) in enumerate(WHOLE_FILE, len(FAULTS) + 1):
        name = f"b{j:02d}_{stem}"
        body = f"# fault: {fault}\n# expect: {field}\n{text}"
        (HERE / f"{name}.yaml").write_bytes(body.encode("utf-8", "surrogateescape"))
        n += 1
    (HERE / "valid_base.yaml").write_text(BASE.format(id="valid_base"), encoding="utf-8")
    print(f"wrote {n} broken files and valid_base.yaml to {HERE}")


if __name__ == "__main__":
    main()
