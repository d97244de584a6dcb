// Package terminology matches the codes of patient records to what mdtwin
// knows: therapies by code (RxNorm, ATC, SNOMED CT) with the display text
// as a fallback, observations by code (LOINC, SNOMED CT) with the UCUM unit
// they are plotted and exported in, questionnaire items to score codes, and
// codes to OMOP standard concepts.
//
// The mappings are data files embedded from data/ (tab-separated, '#'
// comments), each row traceable to the source data/README.md names: a small
// subset, not a terminology server. Units convert by UCUM's own definitions
// (an excerpt of ucum-essence.xml 2.2): a unit expression such as
// "mg/dL", "[lb_av]", "10*3/uL" or "kg/m2" resolves to a factor and a
// dimension over UCUM's base units, and two units convert when their
// dimensions agree (degrees Celsius and Fahrenheit by their special
// functions).
package terminology
