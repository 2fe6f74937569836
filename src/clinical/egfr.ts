/**
 * eGFR by the CKD-EPI 2021 creatinine equation (race-free; Inker et al., NEJM 2021):
 *   142 × min(Scr/κ, 1)^α × max(Scr/κ, 1)^−1.200 × 0.9938^age × (1.012 if female)
 *   κ = 0.7 (female) / 0.9 (male); α = −0.241 (female) / −0.302 (male); Scr in mg/dL.
 * Valid for adults only; returns undefined when an input is missing or out of range.
 */
export function ckdEpi2021(creatinineMgDl: number, ageYears: number, sex: 'male' | 'female'): number | undefined {
  if (!(creatinineMgDl > 0) || !Number.isFinite(creatinineMgDl) || !(ageYears >= 18) || ageYears > 120) return undefined;
  const female = sex === 'female';
  const kappa = female ? 0.7 : 0.9;
  const alpha = female ? -0.241 : -0.302;
  const ratio = creatinineMgDl / kappa;
  return 142 * Math.min(ratio, 1) ** alpha * Math.max(ratio, 1) ** -1.2 * 0.9938 ** ageYears * (female ? 1.012 : 1);
}
