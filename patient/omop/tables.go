package omop

// The rows of the exported tables: OMOP CDM v5.4 columns, in its order.
// Nullable columns are pointers; the parquet tags name the columns in both
// the CSV header and the Parquet schema.

// Person is a row of person.
type Person struct {
	PersonID                 int64   `parquet:"person_id"`
	GenderConceptID          int64   `parquet:"gender_concept_id"`
	YearOfBirth              int64   `parquet:"year_of_birth"`
	MonthOfBirth             *int64  `parquet:"month_of_birth,optional"`
	DayOfBirth               *int64  `parquet:"day_of_birth,optional"`
	BirthDatetime            *string `parquet:"birth_datetime,optional"`
	RaceConceptID            int64   `parquet:"race_concept_id"`
	EthnicityConceptID       int64   `parquet:"ethnicity_concept_id"`
	LocationID               *int64  `parquet:"location_id,optional"`
	ProviderID               *int64  `parquet:"provider_id,optional"`
	CareSiteID               *int64  `parquet:"care_site_id,optional"`
	PersonSourceValue        string  `parquet:"person_source_value"`
	GenderSourceValue        string  `parquet:"gender_source_value"`
	GenderSourceConceptID    int64   `parquet:"gender_source_concept_id"`
	RaceSourceValue          *string `parquet:"race_source_value,optional"`
	RaceSourceConceptID      int64   `parquet:"race_source_concept_id"`
	EthnicitySourceValue     *string `parquet:"ethnicity_source_value,optional"`
	EthnicitySourceConceptID int64   `parquet:"ethnicity_source_concept_id"`
}

// ObservationPeriod is a row of observation_period.
type ObservationPeriod struct {
	ObservationPeriodID        int64  `parquet:"observation_period_id"`
	PersonID                   int64  `parquet:"person_id"`
	ObservationPeriodStartDate string `parquet:"observation_period_start_date"`
	ObservationPeriodEndDate   string `parquet:"observation_period_end_date"`
	PeriodTypeConceptID        int64  `parquet:"period_type_concept_id"`
}

// VisitOccurrence is a row of visit_occurrence.
type VisitOccurrence struct {
	VisitOccurrenceID          int64   `parquet:"visit_occurrence_id"`
	PersonID                   int64   `parquet:"person_id"`
	VisitConceptID             int64   `parquet:"visit_concept_id"`
	VisitStartDate             string  `parquet:"visit_start_date"`
	VisitStartDatetime         *string `parquet:"visit_start_datetime,optional"`
	VisitEndDate               string  `parquet:"visit_end_date"`
	VisitEndDatetime           *string `parquet:"visit_end_datetime,optional"`
	VisitTypeConceptID         int64   `parquet:"visit_type_concept_id"`
	ProviderID                 *int64  `parquet:"provider_id,optional"`
	CareSiteID                 *int64  `parquet:"care_site_id,optional"`
	VisitSourceValue           string  `parquet:"visit_source_value"`
	VisitSourceConceptID       int64   `parquet:"visit_source_concept_id"`
	AdmittedFromConceptID      int64   `parquet:"admitted_from_concept_id"`
	AdmittedFromSourceValue    *string `parquet:"admitted_from_source_value,optional"`
	DischargedToConceptID      int64   `parquet:"discharged_to_concept_id"`
	DischargedToSourceValue    *string `parquet:"discharged_to_source_value,optional"`
	PrecedingVisitOccurrenceID *int64  `parquet:"preceding_visit_occurrence_id,optional"`
}

// ConditionOccurrence is a row of condition_occurrence.
type ConditionOccurrence struct {
	ConditionOccurrenceID      int64   `parquet:"condition_occurrence_id"`
	PersonID                   int64   `parquet:"person_id"`
	ConditionConceptID         int64   `parquet:"condition_concept_id"`
	ConditionStartDate         string  `parquet:"condition_start_date"`
	ConditionStartDatetime     *string `parquet:"condition_start_datetime,optional"`
	ConditionEndDate           *string `parquet:"condition_end_date,optional"`
	ConditionEndDatetime       *string `parquet:"condition_end_datetime,optional"`
	ConditionTypeConceptID     int64   `parquet:"condition_type_concept_id"`
	ConditionStatusConceptID   int64   `parquet:"condition_status_concept_id"`
	StopReason                 *string `parquet:"stop_reason,optional"`
	ProviderID                 *int64  `parquet:"provider_id,optional"`
	VisitOccurrenceID          *int64  `parquet:"visit_occurrence_id,optional"`
	VisitDetailID              *int64  `parquet:"visit_detail_id,optional"`
	ConditionSourceValue       string  `parquet:"condition_source_value"`
	ConditionSourceConceptID   int64   `parquet:"condition_source_concept_id"`
	ConditionStatusSourceValue *string `parquet:"condition_status_source_value,optional"`
}

// DrugExposure is a row of drug_exposure.
type DrugExposure struct {
	DrugExposureID            int64    `parquet:"drug_exposure_id"`
	PersonID                  int64    `parquet:"person_id"`
	DrugConceptID             int64    `parquet:"drug_concept_id"`
	DrugExposureStartDate     string   `parquet:"drug_exposure_start_date"`
	DrugExposureStartDatetime *string  `parquet:"drug_exposure_start_datetime,optional"`
	DrugExposureEndDate       string   `parquet:"drug_exposure_end_date"`
	DrugExposureEndDatetime   *string  `parquet:"drug_exposure_end_datetime,optional"`
	VerbatimEndDate           *string  `parquet:"verbatim_end_date,optional"`
	DrugTypeConceptID         int64    `parquet:"drug_type_concept_id"`
	StopReason                *string  `parquet:"stop_reason,optional"`
	Refills                   *int64   `parquet:"refills,optional"`
	Quantity                  *float64 `parquet:"quantity,optional"`
	DaysSupply                *int64   `parquet:"days_supply,optional"`
	Sig                       *string  `parquet:"sig,optional"`
	RouteConceptID            int64    `parquet:"route_concept_id"`
	LotNumber                 *string  `parquet:"lot_number,optional"`
	ProviderID                *int64   `parquet:"provider_id,optional"`
	VisitOccurrenceID         *int64   `parquet:"visit_occurrence_id,optional"`
	VisitDetailID             *int64   `parquet:"visit_detail_id,optional"`
	DrugSourceValue           string   `parquet:"drug_source_value"`
	DrugSourceConceptID       int64    `parquet:"drug_source_concept_id"`
	RouteSourceValue          *string  `parquet:"route_source_value,optional"`
	DoseUnitSourceValue       *string  `parquet:"dose_unit_source_value,optional"`
}

// Measurement is a row of measurement.
type Measurement struct {
	MeasurementID              int64    `parquet:"measurement_id"`
	PersonID                   int64    `parquet:"person_id"`
	MeasurementConceptID       int64    `parquet:"measurement_concept_id"`
	MeasurementDate            string   `parquet:"measurement_date"`
	MeasurementDatetime        *string  `parquet:"measurement_datetime,optional"`
	MeasurementTime            *string  `parquet:"measurement_time,optional"`
	MeasurementTypeConceptID   int64    `parquet:"measurement_type_concept_id"`
	OperatorConceptID          int64    `parquet:"operator_concept_id"`
	ValueAsNumber              *float64 `parquet:"value_as_number,optional"`
	ValueAsConceptID           int64    `parquet:"value_as_concept_id"`
	UnitConceptID              int64    `parquet:"unit_concept_id"`
	RangeLow                   *float64 `parquet:"range_low,optional"`
	RangeHigh                  *float64 `parquet:"range_high,optional"`
	ProviderID                 *int64   `parquet:"provider_id,optional"`
	VisitOccurrenceID          *int64   `parquet:"visit_occurrence_id,optional"`
	VisitDetailID              *int64   `parquet:"visit_detail_id,optional"`
	MeasurementSourceValue     string   `parquet:"measurement_source_value"`
	MeasurementSourceConceptID int64    `parquet:"measurement_source_concept_id"`
	UnitSourceValue            *string  `parquet:"unit_source_value,optional"`
	UnitSourceConceptID        *int64   `parquet:"unit_source_concept_id,optional"`
	ValueSourceValue           *string  `parquet:"value_source_value,optional"`
	MeasurementEventID         *int64   `parquet:"measurement_event_id,optional"`
	MeasEventFieldConceptID    *int64   `parquet:"meas_event_field_concept_id,optional"`
}

// Observation is a row of observation.
type Observation struct {
	ObservationID              int64    `parquet:"observation_id"`
	PersonID                   int64    `parquet:"person_id"`
	ObservationConceptID       int64    `parquet:"observation_concept_id"`
	ObservationDate            string   `parquet:"observation_date"`
	ObservationDatetime        *string  `parquet:"observation_datetime,optional"`
	ObservationTypeConceptID   int64    `parquet:"observation_type_concept_id"`
	ValueAsNumber              *float64 `parquet:"value_as_number,optional"`
	ValueAsString              *string  `parquet:"value_as_string,optional"`
	ValueAsConceptID           int64    `parquet:"value_as_concept_id"`
	QualifierConceptID         int64    `parquet:"qualifier_concept_id"`
	UnitConceptID              int64    `parquet:"unit_concept_id"`
	ProviderID                 *int64   `parquet:"provider_id,optional"`
	VisitOccurrenceID          *int64   `parquet:"visit_occurrence_id,optional"`
	VisitDetailID              *int64   `parquet:"visit_detail_id,optional"`
	ObservationSourceValue     string   `parquet:"observation_source_value"`
	ObservationSourceConceptID int64    `parquet:"observation_source_concept_id"`
	UnitSourceValue            *string  `parquet:"unit_source_value,optional"`
	QualifierSourceValue       *string  `parquet:"qualifier_source_value,optional"`
	ValueSourceValue           *string  `parquet:"value_source_value,optional"`
	ObservationEventID         *int64   `parquet:"observation_event_id,optional"`
	ObsEventFieldConceptID     *int64   `parquet:"obs_event_field_concept_id,optional"`
}

// CDM is the export: the rows of each table.
type CDM struct {
	Person              []Person
	ObservationPeriod   []ObservationPeriod
	VisitOccurrence     []VisitOccurrence
	ConditionOccurrence []ConditionOccurrence
	DrugExposure        []DrugExposure
	Measurement         []Measurement
	Observation         []Observation
}

// Counts returns the number of rows of each table, by table name.
func (c *CDM) Counts() map[string]int {
	return map[string]int{"person": len(c.Person), "observation_period": len(c.ObservationPeriod),
		"visit_occurrence": len(c.VisitOccurrence), "condition_occurrence": len(c.ConditionOccurrence),
		"drug_exposure": len(c.DrugExposure), "measurement": len(c.Measurement), "observation": len(c.Observation)}
}
