// The soak's outputs: one JSON line on stdout (machine-readable, like each bench scenario's) and a short
// markdown table of the figures and the checks.

export function markdown({ adapter, params, figures, checks, passed }) {
  const lines = [`# Steadfast soak (${adapter}): ${passed ? 'all checks passed' : '**CHECKS FAILED**'}`, ''];
  lines.push(`- parameters: ${Object.entries(params).map(([k, v]) => `${k} ${v}`).join(', ')}`, '');
  lines.push('| figure | value |', '|---|---:|');
  for (const [name, value] of Object.entries(figures)) lines.push(`| ${name} | ${value ?? ''} |`);
  lines.push('', '| check | value | expected | passed |', '|---|---:|---|---|');
  for (const c of checks) lines.push(`| ${c.name.replaceAll('|', '/')} | ${c.value} | ${c.expect} | ${c.pass ? 'yes' : '**no**'} |`);
  lines.push('');
  return lines.join('\n');
}
