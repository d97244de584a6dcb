package patient

// Code is one coding of a concept (e.g. LOINC 8302-2 "Body Height").
type Code struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// Coded is a concept with every coding kept; the first is the primary one,
// stored in the system/code/display columns.
type Coded []Code

// Primary returns the first coding, or a zero Code.
func (c Coded) Primary() Code {
	if len(c) == 0 {
		return Code{}
	}
	return c[0]
}

// Patient is a patient's demographic row.
type Patient struct {
	ID        string // pseudonym
	BirthDate string // FHIR date
	Sex       string // male, female, other, unknown
	Deceased  string // date of death, '' when alive or unknown
	Source    string // the source that sent the patient ('' if stored before sources were kept)
}

// Encounter is a contact with care (FHIR Encounter).
type Encounter struct {
	ID         int64
	PatientID  string
	Class      string // e.g. AMB, IMP, EMER
	Type       Coded
	Start, End string
	Status     string
}

// Observation is a measurement or finding (FHIR Observation); components
// (e.g. systolic and diastolic blood pressure) are observations of their own.
type Observation struct {
	ID          int64
	PatientID   string
	EncounterID int64 // 0: none
	ParentID    int64 // the observation this is a component of, 0: none
	Category    string
	Code        Coded
	Time        string
	Value       *float64 // numeric value, nil when not numeric
	ValueText   string   // string value, or the display of a coded one
	ValueCode   Code     // coded value
	Unit        string   // UCUM code where given, else the unit text
	Status      string
	Components  []Observation // written with the observation; read back as rows of their own
}

// Condition is a diagnosis, problem or event such as an MS relapse.
type Condition struct {
	ID                 int64
	PatientID          string
	EncounterID        int64
	Code               Coded
	Onset, Abatement   string
	Recorded           string
	ClinicalStatus     string
	VerificationStatus string
}

// Therapy is a medication (request, statement or registry therapy line)
// with its start and stop.
type Therapy struct {
	ID          int64
	PatientID   string
	EncounterID int64
	Drug        Coded
	Start, Stop string // Stop '' when open or unknown
	Status      string
	Origin      string // MedicationRequest, MedicationStatement, registry
}

// Procedure is a procedure performed on the patient.
type Procedure struct {
	ID          int64
	PatientID   string
	EncounterID int64
	Code        Coded
	Start, End  string
	Status      string
}

// Report is a diagnostic report and the observations it groups.
type Report struct {
	ID          int64
	PatientID   string
	EncounterID int64
	Code        Coded
	Time        string
	Status      string
	Conclusion  string
	Results     []int64 // observation ids
}

// Asset is an imaging study or a file derived for the patient (mesh,
// connectome, fibrosis field) with its checksum.
type Asset struct {
	ID          int64
	PatientID   string
	EncounterID int64
	Kind        string // imaging-study, mesh, connectome, field, ...
	Description string
	Time        string
	Modality    string
	BodySite    string
	UID         string // e.g. DICOM study instance UID
	URI         string // file location; '' for an imaging study
	SHA256      string // hex digest of the file; '' for an imaging study
	Bytes       int64
	DerivedFrom int64 // asset id, 0: none
}

// Study is a simulation study whose runs made predictions for patients.
type Study struct {
	ID             int64
	Name           string
	Model          string
	ModelVersion   string
	ScenarioSHA256 string
	Output         string
	CreatedAt      string
}

// Prediction is one run's outputs for a patient within a study.
type Prediction struct {
	ID        int64
	PatientID string
	StudyID   int64
	RunID     string
	Outputs   map[string]float64
	Report    string
	CreatedAt string
}
